import i18n from 'i18next';
import { z } from 'zod';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { pl } from './pl.ts';

/** English and Polish; the user's language setting picks one, the browser's before sign-in. */
export const languages = { en, pl } as const;
export type Language = keyof typeof languages;

export const pickLanguage = (wanted: string | null | undefined): Language => {
  const code = (wanted ?? '').slice(0, 2).toLowerCase();
  return code in languages ? (code as Language) : 'en';
};

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, pl: { translation: pl } },
  lng: pickLanguage(typeof navigator === 'undefined' ? 'en' : navigator.language),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  showSupportNotice: false,
});

/** The schemas' own messages (a number too small, a missing field) in the same language; messages the schemas spell out themselves stay English. */
const zodLocale = (language: string) => z.config(pickLanguage(language) === 'pl' ? z.locales.pl() : z.locales.en());
zodLocale(i18n.language);
i18n.on('languageChanged', zodLocale);

export { i18n };
