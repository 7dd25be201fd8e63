import { connect } from '../../src/server/db/connect.ts';
import { listUsers } from '../../src/server/users/store.ts';
import { userListQuery } from '../../src/server/users/schema.ts';
const s = connect('sqlite:/tmp/p100/sb.db');
const d = await s.db.selectFrom('domains').select(['id','name']).where('name','=','default').executeTakeFirstOrThrow();
for (const round of [1,2,3]) for (const q of ['kowal', 'anna', 'olena shev', 'smith', 'john.brown', 'tkach', 'zofia k', 'anna.nowak.1234', 'melnyk', 'piotr']) {
  const query = userListQuery.parse({ q, limit: '50' });
  const t = process.hrtime.bigint();
  const r = await listUsers(s.db, d, query);
  console.log(q, r.items.length, Number(process.hrtime.bigint()-t)/1e6, 'ms');
}
await s.close();
