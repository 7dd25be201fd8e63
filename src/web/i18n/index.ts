import i18n from 'i18next';
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

export { i18n };
