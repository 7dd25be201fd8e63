import SQLite from 'better-sqlite3';
const db = new SQLite('/tmp/prof/sb.db');
const id = '01a20960-fcd3-701e-8bdf-be7951051059';
const qs: Record<string, [string, unknown[]]> = {
  user: ['select * from users where domain_id = (select domain_id from users where id = ?) and id = ?', [id, id]],
  union: [`select user_id, 'role' as kind, name from user_roles inner join roles on roles.id = user_roles.role_id where user_id in (?) union all select user_id, 'group' as kind, name from user_groups inner join groups on groups.id = user_groups.group_id where user_id in (?) union all select user_id, 'tag' as kind, tag as name from user_tags where user_id in (?)`, [id, id, id]],
};
for (const [name, [sql, params]] of Object.entries(qs)) {
  console.log(name, db.prepare('explain query plan ' + sql).all(...params).map((r: any) => r.detail).join(' | '));
  const st = db.prepare(sql);
  const t = process.hrtime.bigint();
  for (let i = 0; i < 20000; i++) st.all(...params);
  console.log(name, Number(process.hrtime.bigint() - t) / 20000 / 1000, 'µs');
}
