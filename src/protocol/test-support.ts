/** Test support: the example protocols compiled through the real loader. */
import { readFileSync } from 'node:fs'
import { compileProtocol, type CompiledProtocol } from './compile-protocol.ts'
import type { CompiledForm } from './compile-form.ts'
import { parseProtocolText } from './load-protocol.ts'

/** Compiles `protocols/<name>` or `test/fixtures/protocols/<name>` (path relative to the repository). */
export function compiledExample(path: string): CompiledProtocol {
  const loaded = parseProtocolText(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'), path)
  if (!loaded.ok) throw new Error(`${path} is invalid: ${JSON.stringify(loaded.problems)}`)
  return compileProtocol(loaded.value)
}

/** A form of a compiled protocol; throws when missing (a broken test, not a finding). */
export function formOf(compiled: CompiledProtocol, id: string): CompiledForm {
  const form = compiled.forms.find((f) => f.id === id)
  if (!form) throw new Error(`no form ${id}`)
  return form
}
