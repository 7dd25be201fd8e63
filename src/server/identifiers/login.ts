/**
 * A login: Latin letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 64;
 * or that followed by one `@` and a domain name, the form identity providers send (a UPN or an
 * e-mail address, `anna.nowak@contoso.com`).
 */
export const LOGIN_PATTERN =
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(?:@(?=.{1,189}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)?$/;

/**
 * The SIP username a login gives when none is chosen: SIP usernames never carry `@` (the part
 * after it is the realm's), so a login in e-mail form gives its part before the `@`.
 */
export const sipUsernameOf = (login: string): string => login.split('@')[0] as string;
