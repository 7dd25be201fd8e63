import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SippRegistration {
  port: number;
  transport: 'udp' | 'tcp';
  /** The AOR user (To/From) and the digest username. */
  user: string;
  password: string;
  host: string;
  expires: number;
  /** The answer the authenticated REGISTER must get. */
  expect: number;
  /** Local address sipp binds to (127.0.0.2 is "another network" for ACL tests). */
  localIp?: string;
  /** Send `Contact: *` (unregister everything) instead of sipp's contact. */
  wildcard?: boolean;
}

const request = (cseq: number, auth: boolean, wildcard: boolean) => `
REGISTER sip:[field2] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@[field2]>;tag=[call_number]
To: <sip:[field0]@[field2]>
Call-ID: [call_id]
CSeq: ${cseq} REGISTER
Contact: ${wildcard ? '*' : '<sip:[field0]@[local_ip]:[local_port];transport=[transport]>'}
${auth ? '[field1]\n' : ''}Max-Forwards: 70
Expires: [field3]
User-Agent: SIPp
Content-Length: 0

`;

/** A REGISTER answered 401, then sent again with digest credentials (MD5, as Debian's SIPp speaks). */
const scenario = (expect: number, wildcard: boolean) => `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register with digest">
  <send retrans="500"><![CDATA[${request(1, false, wildcard)}]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[${request(2, true, wildcard)}]]></send>
  <recv response="${expect}"/>
</scenario>
`;

/** Runs sipp for one registration; answers whether every step went as the scenario says. */
export async function sippRegister(options: SippRegistration): Promise<{ ok: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  try {
    writeFileSync(join(dir, 'register.xml'), scenario(options.expect, options.wildcard ?? false));
    writeFileSync(
      join(dir, 'users.csv'),
      `SEQUENTIAL\n${options.user};[authentication username=${options.user} password=${options.password}];${options.host};${options.expires}\n`,
    );
    const args = [
      `127.0.0.1:${options.port}`,
      '-sf',
      join(dir, 'register.xml'),
      '-inf',
      join(dir, 'users.csv'),
      '-m',
      '1',
      '-t',
      options.transport === 'tcp' ? 't1' : 'u1',
      '-i',
      options.localIp ?? '127.0.0.1',
      '-p',
      '0',
      '-nostdin',
      '-timeout',
      '10s',
      '-timeout_error',
      '-trace_err',
      '-max_recv_loops',
      '1000',
    ];
    return await new Promise((resolve) => {
      execFile('sipp', args, { cwd: dir, timeout: 20_000 }, (error, stdout, stderr) => resolve({ ok: error === null, output: `${stdout}\n${stderr}` }));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
