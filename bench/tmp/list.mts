import { connect } from '../../src/server/db/connect.ts';
import { listUsers, toUserViews } from '../../src/server/users/store.ts';
import { userListQuery } from '../../src/server/users/schema.ts';
const s = connect('sqlite:/tmp/prof/sb.db');
const d = await s.db.selectFrom('domains').select(['id','name']).where('name','=','default').executeTakeFirstOrThrow();
const query = userListQuery.parse({ q: 'anna', limit: '50' });
for (const round of [1,2]) {
  let t = process.hrtime.bigint();
  for (let i=0;i<100;i++) await listUsers(s.db, d, query);
  console.log('listUsers ms', Number(process.hrtime.bigint()-t)/100/1e6);
}
const rows = await s.db.selectFrom('users').select(['id','domain_id','login','email','first_name','last_name','password_hash','active','position','work_phone','timezone','language','description','domain_admin','platform_admin','version','created_at','updated_at','deleted_at']).limit(50).execute();
let t = process.hrtime.bigint();
for (let i=0;i<100;i++) await toUserViews(s.db, 'default', rows as any);
console.log('toUserViews ms', Number(process.hrtime.bigint()-t)/100/1e6);
await s.close();
