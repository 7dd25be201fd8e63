import { connect } from '../../src/server/db/connect.ts';
import { sql } from 'kysely';
const s = connect('sqlite:/tmp/prof/sb.db');
const db = s.db;
const d = await db.selectFrom('domains').select('id').where('name','=','default').executeTakeFirstOrThrow();
const word = 'anna';
const q = db.selectFrom('users as u').select(['u.id','u.login_key']).where('u.domain_id','=',d.id).where('u.deleted_at','is',null)
  .where('u.id','in', (eb) => eb.selectFrom('user_search_terms').select('user_id').where('domain_id','=',d.id).where('term','>=',word).where('term','<',`${word}\u{10FFFF}`))
  .orderBy('u.login_key').orderBy('u.id').limit(51);
const c = q.compile();
const raw0 = (await import("better-sqlite3")).default; console.log(new raw0("/tmp/prof/sb.db").prepare("explain query plan " + c.sql).all(...c.parameters as any[]).map((r:any)=>r.detail));
const raw = (await import('better-sqlite3')).default;
const r = new raw('/tmp/prof/sb.db');
const st = r.prepare(c.sql);
let t = process.hrtime.bigint(); for (let i=0;i<200;i++) st.all(...c.parameters as any[]); console.log('ms', Number(process.hrtime.bigint()-t)/200/1e6);
await s.close();
