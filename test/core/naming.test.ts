import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEmrecError } from '../../main/core/errors.ts';
import {
  compileTemplate,
  DEFAULT_TEMPLATE,
  MAX_SEGMENT_BYTES,
  planPath,
  plainUserName,
  resolveInside,
  sanitizeSegment,
  withSuffix,
} from '../../main/core/naming.ts';
import type { Recording } from '../../main/core/record.ts';

const record = (over: Partial<Recording> = {}): Recording => ({
  id: 42,
  url: 'https://oss.example.com/bucket/abc/20240501-000000042.webm?Expires=1&Signature=x',
  owner: 'org1#app1',
  confrBeginTime: '2024-05-01 08:30:15',
  confrId: 'CONF_1',
  userName: 'org1#app1_alice',
  recordType: 'ONLY_REC_ONE_AV',
  ...over,
});

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('planPath', () => {
  it('fills the default template: date, then conference, then time_user_type_id.ext', () => {
    expect(planPath(record())).toBe('2024-05-01/CONF_1/083015_alice_ONLY_REC_ONE_AV_42.webm');
    expect(planPath(record(), DEFAULT_TEMPLATE)).toBe('2024-05-01/CONF_1/083015_alice_ONLY_REC_ONE_AV_42.webm');
  });

  it('uses every field and the URL extension', () => {
    const r = record({ url: 'http://h/x/y.MP4?Signature=1' });
    expect(planPath(r, '{confrId}-{user}-{recordType}-{id}-{date}-{time}.{ext}')).toBe('CONF_1-alice-ONLY_REC_ONE_AV-42-2024-05-01-083015.mp4');
  });

  it('strips the appkey prefix even when owner is missing', () => {
    expect(plainUserName({ userName: 'o#a_bob' })).toBe('bob');
    expect(plainUserName({ userName: 'carol' })).toBe('carol');
    expect(plainUserName({ owner: 'o#a', userName: 'o#a_d_e' })).toBe('d_e');
  });

  it('rejects unknown fields and stray braces with BAD_INPUT', () => {
    for (const bad of ['{date}/{nope}.{ext}', '{date', 'x}', '', '  ', '///']) {
      let error: unknown;
      try {
        compileTemplate(bad);
      } catch (e) {
        error = e;
      }
      expect(isEmrecError(error, 'BAD_INPUT'), bad).toBe(true);
    }
  });

  it('keeps separators inside values from making folders', () => {
    const p = planPath(record({ confrId: 'a/b\\c', userName: 'org1#app1_../../etc' }), '{confrId}/{user}.{ext}');
    expect(p).toBe('a_b_c/.._.._etc.webm');
    expect(p.split('/')).toHaveLength(2);
  });

  it('turns `..` and `.` values into safe names', () => {
    expect(planPath(record({ confrId: '..' }), '{confrId}/{id}.{ext}')).toBe('_/42.webm');
    expect(planPath(record({ confrId: '.' }), '{confrId}/{id}.{ext}')).toBe('_/42.webm');
  });
});

describe('sanitizeSegment', () => {
  const cases: [string, string][] = [
    ['CON', '_CON'],
    ['con.webm', '_con.webm'],
    ['Nul.tar.gz', '_Nul.tar.gz'],
    ['COM1', '_COM1'],
    ['lpt9.mp4', '_lpt9.mp4'],
    ['CONSOLE', 'CONSOLE'],
    ['x:y*?', 'x_y__'],
    ['a<b>c"d|e', 'a_b_c_d_e'],
    ['tab\there\u0001', 'tab_here_'],
    ['name...', 'name'],
    ['name. . ', 'name'],
    ['..', '_'],
    ['.', '_'],
    ['', '_'],
    ['   ', '_'],
    ['a/b', 'a_b'],
    ['a\\b', 'a_b'],
    ['.hidden', '.hidden'],
    // at the edges of the names kept as they are (naming.ts PLAIN)
    ['con .webm', '_con .webm'],
    ['aux  .tar.gz', '_aux  .tar.gz'],
    ['Lpt3 ', '_Lpt3'],
    ['CON x.webm', 'CON x.webm'],
    ['com12.webm', 'com12.webm'],
    ['-a b-', '-a b-'],
    [' lead', 'lead'],
    ['08-30-15 alice 摄像头 42.webm', '08-30-15 alice 摄像头 42.webm'],
    ['x'.repeat(201), 'x'.repeat(200)],
    [`${'录'.repeat(66)}.webm`, `${'录'.repeat(65)}.webm`],
    ['e\u0301.webm', '\u00e9.webm'],
  ];
  it.each(cases)('%j → %j', (input, expected) => {
    expect(sanitizeSegment(input)).toBe(expected);
  });

  it('cuts a 300-character Chinese name to 200 bytes on a character boundary, keeping the extension', () => {
    const name = `${'录'.repeat(300)}.webm`;
    const out = sanitizeSegment(name);
    expect(bytes(out)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    expect(out.endsWith('.webm')).toBe(true);
    expect(out.slice(0, -5)).toMatch(/^录+$/); // no broken character
    expect(bytes(out)).toBeGreaterThan(MAX_SEGMENT_BYTES - 3);
  });

  it('does not split surrogate pairs', () => {
    const out = sanitizeSegment('😀'.repeat(100));
    expect(bytes(out)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    expect([...out].every((c) => c === '😀')).toBe(true);
  });

  it('applies to a long Chinese user in a full path', () => {
    const p = planPath(record({ userName: `org1#app1_${'张'.repeat(300)}` }));
    for (const seg of p.split('/')) expect(bytes(seg)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    expect(p.endsWith('.webm')).toBe(true);
  });
});

describe('long field values', () => {
  const TAIL = /_ONLY_REC_ONE_AV_1234567890\.webm$/;
  const long = { id: 1234567890 };

  it.each([
    ['ASCII', 'a'.repeat(300)],
    ['Chinese', '张'.repeat(300)],
    ['mixed, with emoji and unsafe characters', `${'录制:文件*'.repeat(40)}😀${'x'.repeat(100)}`],
  ])('a 300-character %s user name keeps _{recordType}_{id}.{ext} in the default template', (_kind, name) => {
    const p = planPath(record({ ...long, userName: `org1#app1_${name}` }));
    const segments = p.split('/');
    expect(segments.slice(0, 2)).toEqual(['2024-05-01', 'CONF_1']);
    const file = segments[2]!;
    expect(file).toMatch(TAIL);
    expect(file.startsWith('083015_')).toBe(true);
    for (const seg of segments) expect(bytes(seg)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    expect(bytes(file)).toBeGreaterThan(MAX_SEGMENT_BYTES - 4); // cut no more than needed
    // What is left of the name is a prefix of it, made safe, with no broken character.
    const kept = file.slice('083015_'.length, file.length - '_ONLY_REC_ONE_AV_1234567890.webm'.length);
    expect(kept.length).toBeGreaterThan(10);
    expect(sanitizeSegment(name, Infinity).startsWith(kept)).toBe(true);
  });

  it('cuts a long conference id and user evenly in one segment, keeping id and extension', () => {
    const p = planPath(record({ ...long, confrId: 'C'.repeat(300), userName: `org1#app1_${'张'.repeat(300)}` }), '{confrId}_{user}_{recordType}_{id}.{ext}');
    expect(p).toMatch(TAIL);
    expect(bytes(p)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    const [confr = '', user = ''] = p.split('_');
    expect(confr).toMatch(/^C{40,}$/);
    expect(user).toMatch(/^张{13,}$/);
  });

  it('cuts a long conference id folder in the default template too', () => {
    const p = planPath(record({ ...long, confrId: '会'.repeat(300), userName: `org1#app1_${'a'.repeat(300)}` }));
    for (const seg of p.split('/')) expect(bytes(seg)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    expect(p).toMatch(TAIL);
    expect(p.split('/')[1]).toMatch(/^会+$/);
  });

  it('leaves names that fit exactly as they were', () => {
    const name = 'b'.repeat(MAX_SEGMENT_BYTES - '083015__ONLY_REC_ONE_AV_42.webm'.length);
    const p = planPath(record({ userName: `org1#app1_${name}` }));
    expect(p).toBe(`2024-05-01/CONF_1/083015_${name}_ONLY_REC_ONE_AV_42.webm`);
    expect(bytes(p.split('/')[2]!)).toBe(MAX_SEGMENT_BYTES);
  });
});

describe('collisions and containment', () => {
  it('withSuffix puts the id before the extension', () => {
    expect(withSuffix('2024-05-01/C/083015_a_T_1.webm', '7')).toBe('2024-05-01/C/083015_a_T_1_7.webm');
    expect(withSuffix('noext', '7')).toBe('noext_7');
    const long = withSuffix(`d/${'字'.repeat(66)}.webm`, '123456');
    expect(bytes(long.split('/')[1] ?? '')).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    expect(long.endsWith('_123456.webm')).toBe(true);
  });

  it('two records on one template path differ only when suffixed', () => {
    const t = '{confrId}.{ext}';
    const a = planPath(record({ id: 1 }), t);
    const b = planPath(record({ id: 2 }), t);
    expect(a).toBe(b);
    expect(withSuffix(b, '2')).not.toBe(a);
  });

  it('resolveInside keeps paths inside the output folder', () => {
    const out = path.resolve('/tmp/out');
    expect(resolveInside(out, 'a/b.webm')).toBe(path.join(out, 'a', 'b.webm'));
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', '', '.', 'a/..']) {
      expect(() => resolveInside(out, bad), bad).toThrowError(/not inside/);
    }
  });
});
