import { settingsOf } from '../settings/commands.ts';
import { agentDefaults, defaultAgentDefaults } from './schema.ts';

/** What the domain's agents follow unless they set their own. */
export const agentDefaultsSettings = settingsOf({
  column: 'agent_defaults',
  schema: agentDefaults,
  defaults: defaultAgentDefaults,
  action: 'agent_defaults',
  onRecord: true,
});
