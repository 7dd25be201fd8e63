import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, type Harness } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';
const logins = (body: { items: { login: string }[] }) => body.items.map((u) => u.login);
const createUser = (h: Harness, login: string, extra: object = {}) => h.admin.post(`${base}/users`, { login, roles: ['agent'], ...extra });

forEachEngine('agents', (h) => {
  it('follows the domain defaults (FusionPBX values to start) until the agent sets its own', async () => {
    assert.deepEqual((await h().admin.get(`${base}/agent-defaults`)).body, {
      callTimeout: 20,
      wrapUpTime: 10,
      maxNoAnswer: 0,
      busyDelay: 90,
      rejectDelay: 90,
      noAnswerDelay: 30,
      autoDial: 'off',
      personalPredictiveQueue: { enabled: false, dialRatio: 1.5, maxAbandonRate: 3, maxAttempts: 3 },
      assignLeads: false,
      clientLanguages: [],
    });
    const { body: user } = await createUser(h(), 'follower', { agent: { enabled: true, wrapUpTime: 45, personalPredictiveQueue: { dialRatio: 2 } } });
    assert.deepEqual([user.agent.enabled, user.agent.wrapUpTime, user.agent.noAnswerDelay, user.agent.personalPredictiveQueue.dialRatio], [true, 45, 30, 2]);
    assert.equal(user.agent.inherited.includes('wrapUpTime'), false);
    assert.ok(user.agent.inherited.includes('noAnswerDelay'));

    await h().admin.put(`${base}/agent-defaults`, {
      wrapUpTime: 15,
      noAnswerDelay: 60,
      personalPredictiveQueue: { enabled: true, dialRatio: 1.2, maxAbandonRate: 3, maxAttempts: 3 },
    });
    const after = (await h().admin.get(`${base}/users/${user.id}/agent`)).body;
    assert.deepEqual(
      [after.wrapUpTime, after.noAnswerDelay, after.personalPredictiveQueue.enabled, after.personalPredictiveQueue.dialRatio],
      [45, 60, true, 2],
      'own values stay, inherited ones follow',
    );

    const reset = await h().admin.put(`${base}/users/${user.id}/agent`, { wrapUpTime: null, personalPredictiveQueue: null });
    assert.deepEqual([reset.body.wrapUpTime, reset.body.personalPredictiveQueue.dialRatio], [15, 1.2], 'null goes back to the default');
    await h().admin.put(`${base}/agent-defaults`, {});
  });

  it('refuses settings out of bounds, unknown skills and repeated skills, listing each', async () => {
    const bad = await createUser(h(), 'out-of-bounds', {
      agent: {
        enabled: 'yes',
        callTimeout: 1,
        wrapUpTime: -1,
        maxNoAnswer: 101,
        busyDelay: 3601,
        autoDial: 'sometimes',
        personalPredictiveQueue: { dialRatio: 9 },
        skills: [{ skill: 'x', level: 101 }],
      },
    });
    assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path).sort(), [
      'agent/autoDial',
      'agent/busyDelay',
      'agent/callTimeout',
      'agent/enabled',
      'agent/maxNoAnswer',
      'agent/personalPredictiveQueue/dialRatio',
      'agent/skills/0/level',
      'agent/wrapUpTime',
    ]);
    const repeated = await createUser(h(), 'repeater', {
      agent: {
        skills: [
          { skill: 'a', level: 1 },
          { skill: 'A', level: 2 },
        ],
      },
    });
    assert.deepEqual(
      repeated.body.errors.map((e: { path: string }) => e.path),
      ['agent/skills'],
    );
    const unknown = await createUser(h(), 'unskilled', { agent: { skills: [{ skill: 'Klingon', level: 50 }] } });
    assert.deepEqual(
      unknown.body.errors.map((e: { path: string; code: string }) => `${e.path} ${e.code}`),
      ['agent/skills/0/skill skill.unknown'],
    );
    assert.equal((await h().admin.get(`${base}/users?q=unskilled`)).body.items.length, 0);
  });

  it('keeps skills with levels, follows a renamed skill, and will not drop a skill in use', async () => {
    for (const name of ['English', 'Polish']) await h().admin.post(`${base}/skills`, { name });
    const { body: user } = await createUser(h(), 'polyglot', {
      agent: {
        enabled: true,
        skills: [
          { skill: 'polish', level: 90 },
          { skill: 'english', level: 40 },
        ],
      },
    });
    assert.deepEqual(
      user.agent.skills,
      [
        { skill: 'English', level: 40 },
        { skill: 'Polish', level: 90 },
      ],
      'in the catalog spelling',
    );
    await h().admin.patch(`${base}/skills/Polish`, { name: 'Polski' });
    assert.deepEqual((await h().admin.get(`${base}/users/${user.id}/agent`)).body.skills, [
      { skill: 'English', level: 40 },
      { skill: 'Polski', level: 90 },
    ]);
    assert.equal((await h().admin.delete(`${base}/skills/Polski`)).body.code, 'skill.in_use');
    assert.deepEqual(logins((await h().admin.get(`${base}/users?skill=polski`)).body), ['polyglot']);
    await createUser(h(), 'not-an-agent');
    assert.ok(logins((await h().admin.get(`${base}/users?agent=false`)).body).includes('not-an-agent'));
    assert.equal(logins((await h().admin.get(`${base}/users?agent=true`)).body).includes('not-an-agent'), false);
    assert.ok(logins((await h().admin.get(`${base}/users?agent=true`)).body).includes('polyglot'));
  });

  it('makes members of all tags and all skills members of ones added later', async () => {
    const { body: all } = await createUser(h(), 'everywhere', { agent: { enabled: true, allTags: true, allSkills: true } });
    await createUser(h(), 'nowhere', { agent: { enabled: true } });
    await h().admin.post(`${base}/tags`, { name: 'late-tag' });
    await h().admin.post(`${base}/skills`, { name: 'Late skill' });
    assert.deepEqual(logins((await h().admin.get(`${base}/users?tag=late-tag`)).body), ['everywhere']);
    assert.deepEqual(logins((await h().admin.get(`${base}/users?skill=late%20skill`)).body), ['everywhere']);
    assert.deepEqual(logins((await h().admin.get(`${base}/users?tag=never-made`)).body), [], 'only tags the catalog has');
    await h().admin.put(`${base}/users/${all.id}/agent`, { allTags: false });
    assert.deepEqual(logins((await h().admin.get(`${base}/users?tag=late-tag`)).body), []);
  });

  it('needs a live license for the agent, dialer and WebRTC capabilities where the domain licenses them', async () => {
    const unlicensed = await createUser(h(), 'unlicensed-ok', { agent: { enabled: true, autoDial: 'predictive' }, sip: { extension: '2600' } });
    assert.equal(unlicensed.status, 201, 'a domain without such products gates nothing');
    const free = unlicensed.body;
    await h().admin.post(`${base}/licenses`, { name: 'cc-agent', seats: 1, capability: 'agent' });
    await h().admin.post(`${base}/licenses`, { name: 'webphone', seats: 5, capability: 'webrtc' });
    const refused = await createUser(h(), 'needs-seat', { agent: { enabled: true }, sip: { extension: '2601', connection: 'webrtc' } });
    assert.deepEqual(
      [refused.status, refused.body.code, refused.body.errors.map((e: { path: string }) => e.path).sort()],
      [409, 'license.required', ['agent/enabled', 'sip/connection']],
    );
    const { body: user } = await createUser(h(), 'needs-seat', { sip: { extension: '2601', connection: 'pbx' } });
    await h().admin.post(`${base}/users/${user.id}/licenses/cc-agent`);
    assert.equal((await h().admin.put(`${base}/users/${user.id}/agent`, { enabled: true })).status, 200);
    assert.equal((await h().admin.put(`${base}/users/${user.id}/sip`, { connection: 'webrtc' })).body.code, 'license.required');
    const removal = await h().admin.delete(`${base}/users/${user.id}/licenses/cc-agent`);
    assert.deepEqual([removal.status, removal.body.code], [409, 'license.capability_in_use']);
    await h().admin.put(`${base}/users/${user.id}/agent`, { enabled: false });
    assert.equal((await h().admin.delete(`${base}/users/${user.id}/licenses/cc-agent`)).status, 204);
    assert.equal(
      (await h().admin.patch(`${base}/users/${free.id}`, { firstName: 'Still' })).status,
      200,
      'an agent already working is not blocked by a product added later',
    );
    for (const name of ['cc-agent', 'webphone']) await h().admin.delete(`${base}/licenses/${name}`);
  });

  it('lets supervisors read agent profiles and defaults but not change them', async () => {
    const { body: user } = await createUser(h(), 'supervised', { agent: { enabled: true } });
    const supervisor = await createUser(h(), 'the-supervisor', { roles: ['supervisor'], password: 'Amber-Cobalt-Lake-77!' });
    assert.equal(supervisor.status, 201);
    const client = await h().signIn('default', 'the-supervisor', 'Amber-Cobalt-Lake-77!');
    assert.equal((await client.get(`${base}/users/${user.id}/agent`)).status, 200);
    assert.equal((await client.get(`${base}/agent-defaults`)).status, 200);
    assert.equal((await client.put(`${base}/users/${user.id}/agent`, { wrapUpTime: 5 })).status, 403);
    assert.equal((await client.put(`${base}/agent-defaults`, {})).status, 403);
  });
});
