// Reading a saved file's path back into the recording it holds, through the naming template.
import { describe, expect, it } from 'vitest';
import { nameReader } from '../../main/core/import-folder.ts';
import { compileTemplate, DEFAULT_TEMPLATE, planPath } from '../../main/core/naming.ts';

describe('nameReader', () => {
  const read = nameReader(compileTemplate(DEFAULT_TEMPLATE));

  it('reads the default template back, user names with underscores and a "(2)" twin included', () => {
    expect(read('2024-05-01/IM_X364C16/083015_bench_user_0_ONLY_REC_ONE_AV_1000184.webm')).toEqual({
      date: '2024-05-01',
      confrId: 'IM_X364C16',
      time: '083015',
      user: 'bench_user_0',
      recordType: 'ONLY_REC_ONE_AV',
      id: '1000184',
      ext: 'webm',
    });
    expect(read('2024-05-01/C1/083015_陈静_MERGE_ALL_42 (2).mp4')).toMatchObject({ user: '陈静', recordType: 'MERGE_ALL', id: '42' });
    expect(read('notes.mp4')).toBeUndefined();
  });

  it('round-trips what planPath writes, for another template', () => {
    const template = compileTemplate('{confrId}/{id}-{user}.{ext}');
    const record = { id: 7, url: 'https://oss/x/a.mkv?Signature=s', confrId: 'C9', userName: 'o#a_li_lei' };
    expect(nameReader(template)(planPath(record, template))).toEqual({ confrId: 'C9', id: '7', user: 'li_lei', ext: 'mkv' });
  });
});
