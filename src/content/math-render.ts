/**
 * Text with TeX → safe HTML. Everything outside math is HTML-escaped; `$...$` (inline) and
 * `$$...$$` (display) go through KaTeX, which escapes its own input, with MathML alongside the
 * HTML for screen readers. `\$` writes a literal dollar sign. No CDN: the app serves KaTeX's CSS
 * and fonts from KATEX_DIST_DIR at /vendor/katex/ (the CSP allows only 'self').
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import katex from 'katex';

/** Absolute path of KaTeX's dist folder (katex.min.css and fonts/), to serve statically. */
export const KATEX_DIST_DIR = path.join(
  path.dirname(createRequire(import.meta.url).resolve('katex/package.json')),
  'dist',
);
/** Where the app should mount KATEX_DIST_DIR; the stylesheet is `${KATEX_URL_PATH}/katex.min.css`. */
export const KATEX_URL_PATH = '/vendor/katex';

export type MathSegment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'math'; readonly tex: string; readonly display: boolean };

/** Splits text into plain and math segments. An unclosed `$` stays literal text. */
export function splitMath(text: string): MathSegment[] {
  const out: MathSegment[] = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === '\\' && text[i + 1] === '$') {
      plain += '$';
      i += 2;
      continue;
    }
    if (ch === '$') {
      const display = text[i + 1] === '$';
      const open = display ? 2 : 1;
      const close = findClosing(text, i + open, display);
      if (close !== -1) {
        if (plain !== '') out.push({ kind: 'text', text: plain });
        plain = '';
        out.push({ kind: 'math', tex: text.slice(i + open, close), display });
        i = close + open;
        continue;
      }
    }
    plain += ch;
    i++;
  }
  if (plain !== '') out.push({ kind: 'text', text: plain });
  return out;
}

function findClosing(text: string, from: number, display: boolean): number {
  for (let j = from; j < text.length; j++) {
    if (text[j] === '\\') {
      j++;
      continue;
    }
    if (text[j] !== '$') continue;
    if (!display) return j > from ? j : -1;
    if (text[j + 1] === '$') return j;
  }
  return -1;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const KATEX_OPTIONS = {
  output: 'htmlAndMathml',
  trust: false,
  strict: 'ignore',
  maxSize: 20,
  maxExpand: 500,
} as const;

/** Longest TeX fragment rendered; longer ones are shown as their source text. */
export const MAX_TEX_LENGTH = 2000;

const textHtml = (text: string): string => escapeHtml(text).replace(/\r?\n/g, '<br>');

/**
 * One math fragment as HTML. KaTeX reports TeX errors inline (throwOnError false) but still
 * throws for what it cannot survive (deep nesting overflows its stack): any failure, and any
 * fragment too long to be a real formula, is shown as its escaped source instead, so one bad
 * fragment never breaks the page it is on.
 */
function renderTex(tex: string, display: boolean): string {
  const source = display ? `$$${tex}$$` : `$${tex}$`;
  if (tex.length > MAX_TEX_LENGTH) return textHtml(source);
  try {
    return katex.renderToString(tex, {
      ...KATEX_OPTIONS,
      displayMode: display,
      throwOnError: false,
    });
  } catch {
    return textHtml(source);
  }
}

/** Safe HTML for a prompt, choice, hint, solution or feedback. Line breaks become `<br>`. */
export function renderMathText(text: string): string {
  return splitMath(text)
    .map((segment) =>
      segment.kind === 'text' ? textHtml(segment.text) : renderTex(segment.tex, segment.display),
    )
    .join('');
}

/**
 * Text that someone other than an author wrote (a learner's answer, an LMS name), made safe to
 * put inside a text that goes through renderMathText: its dollar signs stay dollar signs, so it
 * is shown as typed and never read as TeX.
 */
export function literalText(text: string): string {
  return text.replace(/\$/g, '\\$');
}

/** KaTeX's messages for the math in `text` that does not render (empty when all is well). */
export function findMathErrors(text: string): string[] {
  const errors: string[] = [];
  for (const segment of splitMath(text)) {
    if (segment.kind !== 'math') continue;
    try {
      katex.renderToString(segment.tex, {
        ...KATEX_OPTIONS,
        displayMode: segment.display,
        throwOnError: true,
      });
    } catch (error) {
      errors.push(`$${segment.tex}$: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return errors;
}

/** Common TeX commands as words or symbols, for accessible names (labels, aria-label). */
const TEX_WORDS: readonly (readonly [RegExp, string])[] = [
  [/\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}/g, '$1/$2'],
  [/\\times/g, '×'],
  [/\\cdot/g, '·'],
  [/\\div/g, '÷'],
  [/\\le(q)?/g, '≤'],
  [/\\ge(q)?/g, '≥'],
  [/\\neq/g, '≠'],
  [/\\pm/g, '±'],
  [/\\%/g, '%'],
  [/\\\$/g, '$'],
  [/\\left|\\right/g, ''],
  [/\\text\{([^{}]*)\}/g, '$1'],
  [/\\[a-zA-Z]+/g, ''],
  [/[{}]/g, ''],
];

/**
 * Plain text of a text with TeX, e.g. `$\frac{3}{4}$ of $12$` → `3/4 of 12`: the accessible name
 * of a control whose visible label is rendered math (KaTeX's HTML is aria-hidden, and its MathML
 * does not count as a label for every assistive technology).
 */
export function mathToPlainText(text: string): string {
  return splitMath(text)
    .map((segment) => {
      if (segment.kind === 'text') return segment.text;
      let tex = segment.tex;
      for (const [pattern, replacement] of TEX_WORDS) tex = tex.replace(pattern, replacement);
      return tex.replace(/\s+/g, ' ').trim();
    })
    .join('')
    .trim();
}
