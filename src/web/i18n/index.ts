import i18n from 'i18next';
import { z } from 'zod';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { pl } from './pl.ts';
import { validationWords } from './validation.ts';

/** English and Polish; the user's language setting picks one, the last choice on this browser (or the browser's own) before sign-in. */
export const languages = { en, pl } as const;
export type Language = keyof typeof languages;

export const pickLanguage = (wanted: string | null | undefined): Language => {
  const code = (wanted ?? '').slice(0, 2).toLowerCase();
  return code in languages ? (code as Language) : 'en';
};

/** Where the language chosen on this browser is kept across reloads and sign-outs. */
const chosenKey = 'switchboard.language';
const stored = () => {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage.getItem(chosenKey);
  } catch {
    return null;
  }
};

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, pl: { translation: pl } },
  lng: pickLanguage(stored() ?? (typeof navigator === 'undefined' ? 'en' : navigator.language)),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  showSupportNotice: false,
});

/**
 * The schemas' own messages (a number too small, a missing field) in words and in the same
 * language; messages a schema spells out itself are translated where they are shown (`inWords`).
 */
const follow = (language: string) => {
  const code = pickLanguage(language);
  z.config({ ...(code === 'pl' ? z.locales.pl() : z.locales.en()), customError: validationWords });
  if (typeof document !== 'undefined') document.documentElement.lang = code;
};
follow(i18n.language);
i18n.on('languageChanged', follow);

/** The language chosen in the console: shown now and kept on this browser for the next visit. */
export function chooseLanguage(language: string): Promise<unknown> {
  const code = pickLanguage(language);
  try {
    localStorage.setItem(chosenKey, code);
  } catch {
    // A browser that keeps nothing (private mode with storage off) still switches for this visit.
  }
  return i18n.changeLanguage(code);
}

export { i18n };
