import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { renewKeyFile } from '../server/secrets/cipher.ts';
import { resealSecrets } from '../server/secrets/rotate.ts';
import { cipherFor } from '../server/users/safeguards.ts';
import { withStorage } from './storage.ts';

const rotate = new Command('rotate')
  .description(
    'Seal every stored secret again with the current key. With the key in the data folder, a new key is made first. ' +
      'With SWITCHBOARD_SECRET_KEY, set the new key there and the old one in SWITCHBOARD_SECRET_KEY_PREVIOUS on every process, then run this.',
  )
  .action(async () => {
    await withStorage(async ({ db }, config) => {
      const fromFile = config.secretKey === undefined;
      // A rotation cut short left the old key beside the new one: finish it rather than renew again.
      if (fromFile && !existsSync(join(config.dataDir, 'secret.key.previous'))) renewKeyFile(config.dataDir);
      const count = await resealSecrets(db, cipherFor(config));
      if (fromFile) rmSync(join(config.dataDir, 'secret.key.previous'));
      process.stdout.write(`re-sealed ${count} secret(s) with the ${fromFile ? 'new key in the data folder' : 'key of SWITCHBOARD_SECRET_KEY'}\n`);
    });
  });

export const secretsCommand = () => new Command('secrets').description('Manage the key that seals stored secrets').addCommand(rotate);
