/**
 * The file shell around the dataset codec: writes a dataset folder and reads one back. Everything else in the
 * analysis layer is pure.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ProtocolFile, Result } from '../domain/index.ts'
import { fail, ok, ProblemCode } from '../domain/index.ts'
import type { AnalysisDatasets } from './analysis-datasets.ts'
import type { DatasetFormat } from './dataset-codec.ts'
import { parseAnalysisDatasets, serializeAnalysisDatasets } from './dataset-codec.ts'

/** Writes the datasets, `meta.json`, the dictionary and the protocol into `dir` (created if needed); returns the file names. */
export async function writeAnalysisDatasets(
  datasets: AnalysisDatasets,
  dir: string,
  options: { readonly format: DatasetFormat; readonly protocol: ProtocolFile },
): Promise<Result<readonly string[]>> {
  try {
    await mkdir(dir, { recursive: true })
    const files = serializeAnalysisDatasets(datasets, options)
    for (const f of files) await writeFile(join(dir, f.name), f.content, 'utf8')
    return ok(files.map((f) => f.name))
  } catch (e) {
    return fail({ code: ProblemCode.Io, path: dir, message: `cannot write: ${(e as Error).message}` })
  }
}

/** Reads a dataset folder written by `writeAnalysisDatasets` (CSV or JSON) and validates it. */
export async function readAnalysisDatasets(dir: string): Promise<Result<AnalysisDatasets>> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return fail({
      code: ProblemCode.Io,
      path: dir,
      message: code === 'ENOENT' ? 'folder not found' : `cannot read (${code})`,
    })
  }
  const files = new Map<string, string>()
  for (const name of names.filter((n) => /\.(csv|json)$/.test(n)))
    files.set(name, await readFile(join(dir, name), 'utf8'))
  return parseAnalysisDatasets(files)
}

/** The protocol saved beside the datasets (`protocol.json`), unparsed; null when absent. */
export async function readSavedProtocol(dir: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(join(dir, 'protocol.json'), 'utf8')) as unknown
  } catch {
    return null
  }
}
