import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sipDigests } from '../sip-accounts/digest.ts';
import { migrationColumns, recordOf } from './rules.ts';

const domain = { name: 'acme', realm: 'sip.acme.example' };
const cellsOf = (record: ReturnType<typeof recordOf>) => {
  if (!('cells' in record)) throw new Error(`not a row: ${record.problem}`);
  return Object.fromEntries(migrationColumns.map((column, index) => [column, record.cells[index]]));
};

describe('a migrated entry as a row of the import', () => {
  it('keeps the digests of an entry made with the domain realm, its username as login, SIP username and (digits) extension', () => {
    const cells = cellsOf(
      recordOf(
        {
          entry: {
            origin: 'subscriber 1001@sip.acme.example',
            username: '1001',
            realm: 'sip.acme.example',
            sip: { ha1Md5: 'a'.repeat(32), ha1bMd5: 'b'.repeat(32) },
          },
        },
        domain,
      ),
    );
    assert.deepEqual(
      [cells.login, cells.sipUsername, cells.extension, cells.sipHa1Md5, cells.sipHa1bMd5, cells.sipHa1Sha256, cells.connection],
      ['1001', '1001', '1001', 'a'.repeat(32), 'b'.repeat(32), '', 'pbx'],
    );
  });

  it('gives a name that is no number no extension: the import takes one from the range', () => {
    assert.equal(cellsOf(recordOf({ entry: { origin: 'x', username: 'reception', sip: {} } }, domain)).extension, '');
  });

  it("digests a password in clear with the domain's realm, all four, and carries the password no further", () => {
    const record = recordOf(
      { entry: { origin: 'x', username: '1002', realm: 'sip.acme.example', sip: { password: 'desk-pass-1002', ha1Md5: 'c'.repeat(32) } } },
      domain,
    );
    const cells = cellsOf(record);
    const expected = sipDigests('1002', 'sip.acme.example', 'acme', 'desk-pass-1002');
    assert.deepEqual(
      [cells.sipHa1Md5, cells.sipHa1bMd5, cells.sipHa1Sha256, cells.sipHa1bSha256],
      [expected.ha1_md5, expected.ha1b_md5, expected.ha1_sha256, expected.ha1b_sha256],
    );
    assert.equal(JSON.stringify(record).includes('desk-pass-1002'), false);
  });

  it('makes an entry of another realm a problem of its own, by its origin (the realm compared exactly: it is part of the digests)', () => {
    for (const realm of ['other.example', 'SIP.ACME.EXAMPLE'])
      assert.deepEqual(recordOf({ entry: { origin: `subscriber 1003@${realm}`, username: '1003', realm, sip: { ha1Md5: 'd'.repeat(32) } } }, domain), {
        origin: `subscriber 1003@${realm}`,
        problem: `Its realm ${JSON.stringify(realm)} is not the domain's SIP realm "sip.acme.example": its digests would never match`,
      });
  });

  it('takes the domain name as the realm of a domain without one', () => {
    assert.ok('cells' in recordOf({ entry: { origin: 'x', username: '1004', realm: 'acme', sip: {} } }, { name: 'acme', realm: null }));
  });

  it("passes a source's unreadable entry on as a problem", () => {
    assert.deepEqual(recordOf({ problem: { origin: 'directory/default/1005.xml', message: 'Not XML' } }, domain), {
      origin: 'directory/default/1005.xml',
      problem: 'Not XML',
    });
  });
});
