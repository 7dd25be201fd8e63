import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  callEnded,
  ccLogin,
  connected,
  connectionCount,
  disconnected,
  elapse,
  initialState,
  nextDeadline,
  offered,
  offerOutcome,
  overdue,
  ownerLost,
  ready,
  register,
  sameState,
  setStatus,
  statusChoices,
  type AgentTimers,
} from './rules.ts';

const timers: AgentTimers = { wrapUpTime: 10, maxNoAnswer: 3, busyDelay: 90, rejectDelay: 60, noAnswerDelay: 30 };
const GRACE = 60_000;
const t0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const at = (seconds: number) => t0 + seconds * 1000;
const workingAgent = () => ccLogin(connected(initialState('u1', 'd1', t0), 'p1', t0), 'self', t0);

describe('agent readiness from the agent options', () => {
  it('is ready when logged in to CC, available and connected, and not while ringing or on a call', () => {
    let agent = workingAgent();
    assert.equal(ready(agent, t0), true);
    agent = offered(agent, 'call-1');
    assert.equal(ready(agent, t0), false);
    agent = offerOutcome(agent, 'answered', 'call-1', timers, at(5));
    assert.equal(agent.agent.phase, 'on-call');
    assert.equal(ready(agent, at(100)), false, 'a call lasts until it ends');
  });

  it('waits the wrap-up time after a call, then is idle since the wrap-up ended', () => {
    let agent = offerOutcome(offered(workingAgent(), 'c'), 'answered', 'c', timers, at(0));
    agent = callEnded(agent, 'c', timers, at(120));
    assert.deepEqual([agent.agent.phase, ready(agent, at(129)), ready(agent, at(130))], ['wrap-up', false, true]);
    agent = elapse(agent, at(200), GRACE);
    assert.deepEqual([agent.agent.phase, agent.agent.idleSince], ['idle', at(130)]);
  });

  it('pauses for the no-answer, reject and busy delays', () => {
    for (const [outcome, delay] of [
      ['no-answer', 30],
      ['rejected', 60],
      ['busy', 90],
    ] as const) {
      const agent = offerOutcome(offered(workingAgent(), 'c'), outcome, 'c', timers, at(0));
      assert.deepEqual([ready(agent, at(delay - 1)), ready(agent, at(delay))], [false, true], outcome);
    }
  });

  it('goes on break (max-no-answer, by system) at maxNoAnswer misses in a row; an answer resets the count', () => {
    let agent = workingAgent();
    agent = offerOutcome(agent, 'no-answer', 'a', timers, at(0));
    agent = offerOutcome(agent, 'no-answer', 'b', timers, at(40));
    agent = offerOutcome(agent, 'answered', 'c', timers, at(80));
    assert.equal(agent.agent.noAnswers, 0);
    for (const [i, second] of [100, 140, 180].entries()) agent = offerOutcome(agent, 'no-answer', `m${i}`, timers, at(second));
    assert.deepEqual([agent.status.value, agent.status.reason, agent.status.by], ['break', 'max-no-answer', 'system']);
    assert.equal(ready(agent, at(10_000)), false);
    agent = setStatus(agent, 'available', null, null, 'self', null, at(300));
    assert.deepEqual([agent.agent.noAnswers, ready(elapse(agent, at(300), GRACE), at(300))], [0, true]);
  });

  it('never goes on break for misses when maxNoAnswer is 0', () => {
    let agent = workingAgent();
    for (let i = 0; i < 10; i += 1) agent = offerOutcome(agent, 'no-answer', `c${i}`, { ...timers, maxNoAnswer: 0 }, at(i * 40));
    assert.equal(agent.status.value, 'available');
  });
});

describe('presence', () => {
  it('keeps an agent whose last connection dropped in CC for the grace period, then logs it out (system)', () => {
    let agent = disconnected(workingAgent(), 'p1', at(10));
    assert.equal(nextDeadline(agent, GRACE), at(70));
    assert.equal(elapse(agent, at(69), GRACE).cc.loggedIn, true);
    agent = elapse(agent, at(70), GRACE);
    assert.deepEqual([agent.cc.loggedIn, agent.cc.by, agent.status.value], [false, 'system', 'offline']);
  });

  it('does not log out an agent who came back within the grace period', () => {
    const agent = connected(disconnected(workingAgent(), 'p1', at(10)), 'p2', at(30));
    assert.equal(elapse(agent, at(1000), GRACE).cc.loggedIn, true);
  });

  it('drops every connection of a process that stopped proving it is alive, and only those', () => {
    const twoProcesses = connected(connected(connected(workingAgent(), 'p1', t0), 'p2', t0), 'p2', t0);
    const keptByP1 = ownerLost(twoProcesses, 'p2', at(10));
    assert.deepEqual([connectionCount(keptByP1), ready(keptByP1, at(10)), keptByP1.disconnectedAt], [2, true, null]);
    const abandoned = ownerLost(workingAgent(), 'p1', at(10));
    assert.deepEqual([connectionCount(abandoned), ready(abandoned, at(10)), nextDeadline(abandoned, GRACE)], [0, false, at(70)]);
    assert.deepEqual([elapse(abandoned, at(70), GRACE).cc.loggedIn, elapse(abandoned, at(70), GRACE).cc.by], [false, 'system']);
    assert.equal(ownerLost(abandoned, 'p1', at(20)), abandoned, 'a process is dropped once: doing it again changes nothing');
  });

  it('drops the WebSocket contacts reached through a dead process, and keeps those any process reaches', () => {
    const softphone = { userAgent: 'JsSIP', source: '127.0.0.1:40000', transport: 'wss' as const, callId: 'w', cseq: 1, owner: 'p1' };
    const deskPhone = { ...softphone, userAgent: 'Yealink', transport: 'udp' as const, callId: 'u', owner: null };
    const webrtcOnly = register(
      ccLogin(initialState('u1', 'd1', t0), 'self', t0),
      [{ uri: 'sip:x@df7jal23ls0d.invalid;transport=ws', expires: 3600 }],
      softphone,
      t0,
    );
    assert.equal(ready(webrtcOnly, t0), true, 'reachable by its softphone');
    assert.equal(ready(ownerLost(webrtcOnly, 'p1', at(10)), at(10)), false, 'the softphone died with its process');
    const both = register(webrtcOnly, [{ uri: 'sip:x@192.0.2.7', expires: 3600 }], deskPhone, t0);
    assert.deepEqual(
      ownerLost(both, 'p1', at(10)).registrations.map((c) => c.userAgent),
      ['Yealink'],
    );
  });

  it('flags a pause past its maximum duration without ending it', () => {
    const agent = setStatus(workingAgent(), 'break', 'lunch', 1800, 'self', null, at(0));
    assert.deepEqual([overdue(agent, at(1800)), overdue(agent, at(1801)), agent.status.value], [false, true, 'break']);
  });

  it('binds, refreshes and removes contacts, and forgets expired ones', () => {
    const request = { userAgent: 'Yealink', source: '192.0.2.1:5060', transport: 'udp' as const, callId: 'x', cseq: 1, owner: null };
    let state = register(
      initialState('u', 'd', t0),
      [
        { uri: 'sip:a@192.0.2.1', expires: 60 },
        { uri: 'sip:b@192.0.2.2', expires: 3600 },
      ],
      request,
      t0,
    );
    assert.equal(state.registrations.length, 2);
    state = register(state, [{ uri: 'sip:a@192.0.2.1', expires: 0 }], request, at(1));
    assert.deepEqual(
      state.registrations.map((c) => c.uri),
      ['sip:b@192.0.2.2'],
    );
    assert.deepEqual(elapse(state, at(3600), GRACE).registrations, []);
  });
});

describe('what may be set on a user (the row menu and the workspace offer only this)', () => {
  it('offers an agent out of CC only the login, in CC the other statuses and the logout, and a non-agent nothing', () => {
    const out = initialState('u1', 'd1', t0);
    assert.deepEqual(statusChoices({ ...out, agent: true }), ['cc-login']);
    assert.deepEqual(statusChoices({ ...out, agent: false }), []);
    const working = workingAgent();
    assert.deepEqual(statusChoices({ ...working, agent: true }), ['break', 'dnd', 'cc-logout'], 'available already');
    const onBreak = setStatus(working, 'break', 'Lunch', null, 'self', null, at(1));
    assert.deepEqual(statusChoices({ ...onBreak, agent: true }), ['available', 'break', 'dnd', 'cc-logout'], 'another break is another reason');
  });
});

describe('sameState', () => {
  const contact = { userAgent: 'SIPp', source: '127.0.0.1:5061', transport: 'udp' as const, callId: 'c-1', cseq: 2, owner: null };
  const registered = register(initialState('u1', 'd1', t0), [{ uri: 'sip:1001@127.0.0.1:5061', expires: 60 }], contact, t0);

  it('is the same as comparing the two states as JSON, for the changes a state goes through', () => {
    const states = [
      initialState('u1', 'd1', t0),
      registered,
      register(registered, [{ uri: 'sip:1001@127.0.0.1:5061', expires: 60 }], contact, at(1)),
      register(registered, [{ uri: 'sip:1001@127.0.0.1:5061', expires: 0 }], contact, t0),
      register(registered, [{ uri: 'sip:1001@127.0.0.1:5062', expires: 60 }], contact, t0),
      connected(registered, 'p1', t0),
      connected(connected(registered, 'p1', t0), 'p1', t0),
      workingAgent(),
      setStatus(workingAgent(), 'break', 'lunch', 600, 'self', null, t0),
      setStatus(workingAgent(), 'break', 'coffee', 600, 'self', null, t0),
      offered(workingAgent(), 'call-1'),
      elapse(registered, at(61), GRACE),
    ];
    for (const a of states)
      for (const b of states) assert.equal(sameState(a, b), JSON.stringify(a) === JSON.stringify(b), `${JSON.stringify(a)} against ${JSON.stringify(b)}`);
    assert.equal(sameState(registered, structuredClone(registered)), true, 'equal copies are the same');
  });

  it('takes a field set to undefined as one left out, as JSON does', () => {
    const withUndefined = { ...registered, extra: undefined } as unknown as typeof registered;
    assert.equal(sameState(withUndefined, registered), true);
    assert.equal(sameState(registered, withUndefined), true);
  });
});
