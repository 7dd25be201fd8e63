/** Every string of the console, in English; pl.ts has the same keys (a test compares them). */
export const en = {
  app: { name: 'Switchboard', signOut: 'Sign out', language: 'Language', users: 'Users' },
  signIn: {
    title: 'Sign in to Switchboard',
    domain: 'Domain',
    login: 'Login',
    password: 'Password',
    code: 'Code',
    codeHint: 'The six digits your authenticator app shows',
    submit: 'Sign in',
    expired: 'Your session ended; sign in again to go on where you were.',
  },
  users: {
    title: 'Users',
    search: 'Search',
    searchHint: 'Login, name, e-mail or extension',
    extension: 'Extension',
    name: 'Name',
    login: 'Login',
    roles: 'Roles',
    agent: 'Agent',
    online: 'Online',
    cc: 'CC',
    state: 'State',
    status: 'Status',
    description: 'Description',
    yes: 'Yes',
    no: 'No',
    registered: 'Registered',
    notRegistered: 'Not registered',
    loading: 'Loading…',
    empty: 'No users match',
    count: '{{count}} users shown',
    statuses: { available: 'Available', break: 'Break', dnd: 'Do not disturb', offline: 'Offline' },
  },
};

export type Strings = typeof en;
