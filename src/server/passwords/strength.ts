import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import * as pl from '@zxcvbn-ts/language-pl';

/** zxcvbn with the common, English and Polish dictionaries; built on first use (it takes a moment). */
let zxcvbn: ZxcvbnFactory | undefined;

/** The zxcvbn score, 0 (guessed at once) to 4 (very hard), counting the user's own words as known. */
export function strengthOf(password: string, userInputs: string[]): number {
  zxcvbn ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary, ...pl.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  // zxcvbn's cost grows with length; what it cannot judge in 100 characters is long enough.
  return zxcvbn.check(password.slice(0, 100), userInputs).score;
}
