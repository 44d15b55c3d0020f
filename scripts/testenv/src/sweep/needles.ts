/*
 * What the secrets sweep looks for: the exact secret values the platform
 * and the system test use (read from the files that hold them), and the
 * shapes of credentials whose values the sweep cannot know (installation
 * tokens are minted per build and the local GitHub keeps only digests).
 */
import fs from 'node:fs';

export interface Needle {
  /** What it is, never the value: it names a hit in the report. */
  name: string;
  value?: string;
  pattern?: RegExp;
}

/** One place a needle was found; `where` says exactly where, never the value. */
export interface Hit {
  needle: string;
  where: string;
}

/** Credential shapes: GitHub tokens of every kind and private keys. */
export const CREDENTIAL_PATTERNS: Needle[] = [
  { name: 'GitHub installation token', pattern: /ghs_[A-Za-z0-9_-]{20,}/ },
  {
    name: 'GitHub personal or OAuth token',
    pattern: /gh[pour]_[A-Za-z0-9_]{20,}|github_pat_[A-Za-z0-9_]{20,}/,
  },
  {
    // base64("x-access-token:"): the Basic header git sends with a token.
    name: 'git Basic credential (x-access-token)',
    pattern: /eC1hY2Nlc3MtdG9rZW46/,
  },
  {
    name: 'private key (PEM)',
    pattern: /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/,
  },
];

/** A secret held in a file (its whole trimmed content), when the file exists. */
export function fileNeedle(name: string, file: string): Needle[] {
  try {
    const value = fs.readFileSync(file, 'utf8').trim();
    return value.length >= 8 ? [{ name, value }] : [];
  } catch {
    return [];
  }
}

/**
 * The base64 body lines of a PEM private key: a log that quotes the key
 * without its armour still hits.
 */
export function pemNeedles(name: string, file: string): Needle[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map(line => line.trim())
    .filter(line => line.length >= 60 && !line.startsWith('-----'))
    .slice(1, 4)
    .map((value, i) => ({ name: `${name} (line ${i + 2})`, value }));
}

/** `key: value` of a YAML file (a token the generated config holds). */
export function yamlValueNeedle(
  name: string,
  file: string,
  key: string,
): Needle[] {
  try {
    const match = new RegExp(`^\\s*${key}:\\s*(\\S+)\\s*$`, 'm').exec(
      fs.readFileSync(file, 'utf8'),
    );
    return match && match[1].length >= 8 ? [{ name, value: match[1] }] : [];
  } catch {
    return [];
  }
}

/** Every needle found in a text, each once, with `where` for the report. */
export function search(text: string, needles: Needle[], where: string): Hit[] {
  const hits: Hit[] = [];
  for (const needle of needles) {
    const index = needle.value
      ? text.indexOf(needle.value)
      : text.search(needle.pattern!);
    if (index < 0) continue;
    const line = text.slice(0, index).split('\n').length;
    hits.push({ needle: needle.name, where: `${where}:${line}` });
  }
  return hits;
}
