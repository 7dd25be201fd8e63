import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allValues, buildSections, lastValue, parseConfigText } from './asterisk-config.ts';

const sectionsOf = (text: string) => buildSections(parseConfigText(text, 'pjsip.conf'));

describe('the Asterisk configuration format', () => {
  it('reads sections and settings written with = or =>, with spaces or without', () => {
    const { sections, malformed } = sectionsOf('[1001]\ntype=endpoint\ncontext = from-internal\nauth => 1001\n');
    assert.deepEqual(malformed, []);
    assert.deepEqual(sections[0]?.settings, [
      ['type', 'endpoint'],
      ['context', 'from-internal'],
      ['auth', '1001'],
    ]);
  });

  it('drops ; comments, keeps an escaped \\; and skips ;-- block comments --; over several lines', () => {
    const { sections } = sectionsOf(
      '; a comment\n[a] ; after a header\nkey=value ; after a value\nsecret=one\\;two\n;-- a block\nignored=yes\n--;\nlast=1 ;-- inline --; \n',
    );
    assert.deepEqual(sections[0]?.settings, [
      ['key', 'value'],
      ['secret', 'one;two'],
      ['last', '1'],
    ]);
  });

  it('keeps every value of a repeated key in order: the last wins for one value, all count for a list', () => {
    const [section] = sectionsOf('[e]\nallow=ulaw\nallow=alaw,g722\ncontext=a\ncontext=b\n').sections;
    assert.ok(section);
    assert.equal(lastValue(section, 'context'), 'b');
    assert.deepEqual(allValues(section, 'allow'), ['ulaw', 'alaw', 'g722']);
    assert.equal(lastValue(section, 'missing'), undefined);
  });

  it('marks (!) sections as templates and copies a template’s settings first into each section inheriting it', () => {
    const { sections } = sectionsOf('[base](!)\ntype=endpoint\nallow=ulaw\n[office](!,base)\npermit=192.0.2.0/24\n[1001](office)\nallow=alaw\n');
    assert.deepEqual(
      sections.map((section) => [section.name, section.template]),
      [
        ['base', true],
        ['office', true],
        ['1001', false],
      ],
    );
    assert.deepEqual(sections[2]?.settings, [
      ['type', 'endpoint'],
      ['allow', 'ulaw'],
      ['permit', '192.0.2.0/24'],
      ['allow', 'alaw'],
    ]);
  });

  it('inherits from several templates in the order written', () => {
    const { sections } = sectionsOf('[a](!)\nx=1\n[b](!)\nx=2\n[c](a,b)\n');
    assert.equal(lastValue(sections[2]!, 'x'), '2');
  });

  it('keeps same-named sections apart (endpoint, auth and aor under one name) and adds to one with (+)', () => {
    const { sections } = sectionsOf('[1001]\ntype=endpoint\n[1001]\ntype=aor\n[1001](+)\nmax_contacts=1\n');
    assert.deepEqual(
      sections.map((section) => section.settings),
      [
        [['type', 'endpoint']],
        [
          ['type', 'aor'],
          ['max_contacts', '1'],
        ],
      ],
    );
  });

  it('notes a template not defined above the section inheriting it', () => {
    const { sections } = sectionsOf('[1001](later)\ntype=endpoint\n[later](!)\n');
    assert.deepEqual(sections[0]?.problems, ['inherits from [later], which is not defined above it']);
  });

  it('reads #include and #tryinclude, quoted or not, for the reader to splice in', () => {
    const lines = parseConfigText('#include pjsip_extra.conf\n#tryinclude "pjsip local.conf"\n#include <conf.d/*.conf>\n', 'pjsip.conf');
    assert.deepEqual(
      lines.map((line) => (line.kind === 'include' ? [line.pattern, line.optional] : line.kind)),
      [
        ['pjsip_extra.conf', false],
        ['pjsip local.conf', true],
        ['conf.d/*.conf', false],
      ],
    );
  });

  it('reports, by line and without quoting it, a line of no known form, a setting before any section and #exec', () => {
    const { malformed } = sectionsOf('early=1\n[a]\npassword Fixture-secret\n#exec /bin/false\n[broken\n');
    assert.deepEqual(
      malformed.map(({ at, reason }) => `${at.file}:${at.line} ${reason}`),
      [
        'pjsip.conf:1 is a setting before any [section]',
        'pjsip.conf:3 is neither a [section], a setting (name = value) nor a #include',
        'pjsip.conf:4 is #exec, which a migration never runs',
        'pjsip.conf:5 is not a section header ([name] or [name](options))',
      ],
    );
  });
});
