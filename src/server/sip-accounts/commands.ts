import { settingsOf } from '../settings/commands.ts';
import { defaultSipSettings, sipSettings } from './schema.ts';

/** The domain's SIP settings: extension range, realm's digest algorithms, host aliases, STUN/TURN. */
export const sipSettingsDocument = settingsOf({
  column: 'sip_settings',
  schema: sipSettings,
  defaults: defaultSipSettings,
  action: 'sip_settings',
  onRecord: true,
});
