// The listing bench's reference: a bare keep-alive fetch loop paging the same endpoint emrec pages
// (token grant, then /audio/{begin}/{end}/{startId}/100 until a short page), printing the records
// as JSON. No validation, no retry, no paths: the floor that emrec's listing is measured against.
// node bench/listing-reference.mjs SERVER ORG APP CLIENT_ID CLIENT_SECRET BEGIN END
const [server, org, app, clientId, clientSecret, begin, end] = process.argv.slice(2);
const base = `${server.replace(/\/+$/, '')}/${encodeURIComponent(org)}/${encodeURIComponent(app)}/`;
const grant = await fetch(`${base}token`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
});
const { access_token: token } = await grant.json();
const seen = new Set();
const records = [];
for (let startId = 0; ; ) {
  const response = await fetch(`${base}audio/${begin}/${end}/${startId}/100`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  const body = await response.json();
  const page = body.entities ?? body.data ?? [];
  for (const record of page) if (!seen.has(record.id)) (seen.add(record.id), records.push(record));
  if (page.length < 100) break;
  startId = page.at(-1).id;
}
process.stdout.write(JSON.stringify(records));
