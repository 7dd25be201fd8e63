import SQLite from 'better-sqlite3';
const r = new SQLite('/tmp/p100/sb.db');
const d = (r.prepare("select id from domains where name='default'").get() as any).id;
const sqls: Record<string,string> = {
 full: `select u.id, u.login, u.email, u.first_name, u.last_name, u.login_key as sort_value from (select distinct user_id from user_search_terms where domain_id = ? and term >= ? and term < ?) as m cross join users as u where u.id = m.user_id and u.domain_id = ? and u.deleted_at is null order by u.login_key asc, u.id asc limit 51`,
 keysonly: `select u.id, u.login_key from (select distinct user_id from user_search_terms where domain_id = ? and term >= ? and term < ?) as m cross join users as u where u.id = m.user_id and u.domain_id = ? and u.deleted_at is null order by u.login_key asc, u.id asc limit 51`,
 sub: `select distinct user_id from user_search_terms where domain_id = ? and term >= ? and term < ?`,
};
for (const [k, q] of Object.entries(sqls)) {
  const p = k==='sub' ? [d,'anna','anna\u{10FFFF}'] : [d,'anna','anna\u{10FFFF}', d];
  console.log(k, r.prepare('explain query plan '+q).all(...p).map((x:any)=>x.detail).join(' | '));
  const st = r.prepare(q); st.all(...p);
  const t=process.hrtime.bigint(); for (let i=0;i<10;i++) st.all(...p); console.log(k, Number(process.hrtime.bigint()-t)/10/1e6,'ms');
}
