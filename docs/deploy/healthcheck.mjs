// The container's HEALTHCHECK: GET /healthz on this container's own port, HTTPS when the process
// serves TLS. The certificate is not checked: it names the service's public host, not 127.0.0.1,
// and nothing leaves the container.
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import process from 'node:process';

const secure = Boolean(process.env.SWITCHBOARD_TLS_CERT);
const url = `${secure ? 'https' : 'http'}://127.0.0.1:${process.env.SWITCHBOARD_PORT ?? '8080'}/healthz`;
const request = (secure ? httpsGet : httpGet)(url, { rejectUnauthorized: false, timeout: 2500 }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', () => process.exit(1));
