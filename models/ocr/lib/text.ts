/**
 * Full-width digits and Latin letters (U+FF10-FF19, FF21-FF3A, FF41-FF5A) as ASCII. The Chinese keys
 * list has both forms, and the recognizer picks the full-width one for some isolated characters (a lone
 * "2" in a table cell reads as "２"); the two never differ in meaning. Full-width punctuation is kept:
 * "，" and "。" are the ordinary punctuation of Chinese text.
 */
export function foldFullwidth(text: string): string {
  return text.replace(/[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]/g, (ch) =>
    String.fromCharCode(ch.charCodeAt(0) - 0xfee0),
  );
}
