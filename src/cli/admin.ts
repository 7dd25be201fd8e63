import { Command } from 'commander';
import { generatePassword, systemRequester } from '../server/setup/bootstrap.ts';
import { findDomain } from '../server/tenancy/domain-record.ts';
import { safeguardsFor } from '../server/users/safeguards.ts';
import { Problem } from '../server/http/problem.ts';
import { ADMIN_ROLE } from '../server/roles/builtin.ts';
import { createUser } from '../server/users/commands.ts';
import { userCreate } from '../server/users/schema.ts';
import { withStorage } from './storage.ts';

interface Options {
  domain: string;
  login: string;
  email?: string;
  password?: string;
  platform?: boolean;
}

const create = new Command('create')
  .description('Create a domain administrator (the password is generated and printed when not given)')
  .requiredOption('--login <login>', 'login of the new administrator')
  .option('--domain <name>', 'domain to create it in', 'default')
  .option('--email <email>', 'e-mail address')
  .option('--password <password>', 'password (prefer SWITCHBOARD_NEW_ADMIN_PASSWORD: arguments show in the process list)')
  .option('--platform', 'also make it a platform administrator, who manages every domain')
  .action(async (options: Options) => {
    const password = options.password ?? process.env.SWITCHBOARD_NEW_ADMIN_PASSWORD ?? generatePassword();
    const input = userCreate.safeParse({
      login: options.login,
      email: options.email,
      password,
      roles: [ADMIN_ROLE],
      domainAdmin: true,
      platformAdmin: options.platform ?? false,
    });
    if (!input.success) throw new Error(input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    await withStorage(async ({ db }, config) => {
      const domain = await findDomain(db, options.domain);
      if (!domain) throw new Error(`no domain named ${options.domain}`);
      try {
        const user = await createUser(db, systemRequester, domain, input.data, safeguardsFor(db, config));
        const shown = options.password || process.env.SWITCHBOARD_NEW_ADMIN_PASSWORD ? '(as given)' : password;
        process.stdout.write(`created administrator ${user.login} (${user.id}) in domain ${domain.name}\npassword: ${shown}\n`);
      } catch (error) {
        if (error instanceof Problem) throw new Error(error.errors?.map((e) => `${e.path}: ${e.message}`).join('; ') || error.detail, { cause: error });
        throw error;
      }
    });
  });

export const adminCommand = () => new Command('admin').description('Manage administrators').addCommand(create);
