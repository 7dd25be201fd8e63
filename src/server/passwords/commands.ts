import { settingsOf } from '../settings/commands.ts';
import { defaultPasswordPolicy, passwordPolicy } from './schema.ts';

/** The domain's password policy: checked on every password set from then on. */
export const passwordPolicySettings = settingsOf({
  column: 'password_policy',
  schema: passwordPolicy,
  defaults: defaultPasswordPolicy,
  action: 'password_policy',
  onRecord: false,
});
