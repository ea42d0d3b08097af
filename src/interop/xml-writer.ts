/**
 * A small streaming XML writer: every attribute value and text node is escaped, characters XML 1.0 forbids
 * (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) are dropped, and the output is produced as
 * string chunks so a large export never has to sit in memory as one string.
 */

export type XmlAttrs = Readonly<Record<string, string | number | undefined>>

// Characters that may not appear in an XML 1.0 document at all, even escaped.
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Escapes text content (`&`, `<`, `>`), dropping forbidden characters. */
export function escapeXmlText(text: string): string {
  return text.replace(FORBIDDEN, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Escapes an attribute value; tab/LF/CR become character references so attribute normalisation keeps them. */
export function escapeXmlAttr(value: string): string {
  return escapeXmlText(value)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
}

/**
 * Writes elements to `sink` with two-space indentation. `open`/`close` must nest; `leaf` writes an element with
 * optional text and no children. Names are trusted (they come from our code, never from data).
 */
export class XmlWriter {
  private readonly stack: string[] = []

  constructor(private readonly sink: (chunk: string) => void) {}

  declaration(): void {
    this.sink('<?xml version="1.0" encoding="UTF-8"?>\n')
  }

  open(name: string, attrs: XmlAttrs = {}): void {
    this.sink(`${this.indent()}<${name}${formatAttrs(attrs)}>\n`)
    this.stack.push(name)
  }

  close(): void {
    const name = this.stack.pop()
    if (name === undefined) throw new Error('XmlWriter.close without open')
    this.sink(`${this.indent()}</${name}>\n`)
  }

  leaf(name: string, attrs: XmlAttrs = {}, text?: string): void {
    const body = text === undefined ? '/>' : `>${escapeXmlText(text)}</${name}>`
    this.sink(`${this.indent()}<${name}${formatAttrs(attrs)}${body}\n`)
  }

  /** Element whose only child is `<TranslatedText xml:lang=…>` (ODM's Description, Question, Decode, …). */
  translated(name: string, text: string, lang = 'en'): void {
    this.open(name)
    this.leaf('TranslatedText', { 'xml:lang': lang }, text)
    this.close()
  }

  get depth(): number {
    return this.stack.length
  }

  private indent(): string {
    return '  '.repeat(this.stack.length)
  }
}

function formatAttrs(attrs: XmlAttrs): string {
  let out = ''
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue
    out += ` ${key}="${escapeXmlAttr(String(value))}"`
  }
  return out
}

/** Collects a generator of chunks into one string (for tests and small files). */
export function joinChunks(chunks: Iterable<string>): string {
  let out = ''
  for (const c of chunks) out += c
  return out
}
