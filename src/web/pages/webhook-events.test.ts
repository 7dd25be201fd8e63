import { describe, expect, it } from 'vitest';
import { resources } from '../../server/changes/rules.ts';
import { patternProblem } from '../../server/webhooks/rules.ts';
import { eventTypeChoices } from './webhook-events.ts';

describe('the event types a webhook is offered', () => {
  it('offers only patterns the API accepts', () => {
    const offered = eventTypeChoices().flatMap((g) => g.items);
    expect(offered.filter((pattern) => patternProblem(pattern) !== null)).toEqual([]);
    expect(new Set(offered).size).toBe(offered.length);
  });

  it('offers everything, and every resource of the change feed as a whole', () => {
    const offered = eventTypeChoices().flatMap((g) => g.items);
    expect(offered[0]).toBe('*');
    for (const resource of resources) expect(offered).toContain(`${resource}.*`);
  });

  it('keeps a pattern the subscription holds that it does not offer, once, in a group of its own', () => {
    const groups = eventTypeChoices(['user.two_factor_reset', 'user.created', 'user.two_factor_reset']);
    expect(groups.at(-1)).toEqual({ resource: 'other', items: ['user.two_factor_reset'] });
    expect(groups.flatMap((g) => g.items).filter((p) => p === 'user.created')).toHaveLength(1);
    expect(eventTypeChoices(['role.*']).some((g) => g.resource === 'other')).toBe(false);
  });
});
