/**
 * The analysis report as one self-contained HTML document (inline CSS and SVG, no external resource), rendered with
 * Hono JSX: title page with the audit stamp (protocol and data hashes, data cut, software), contents, methods with
 * the exact models fitted, CONSORT flow and recruitment, Table 1, efficacy, survival, safety, feasibility, and an
 * appendix with every model's fixed effects. The same document is shown by the web app and printed to PDF.
 */
import { raw } from 'hono/html'
import type { Child } from 'hono/jsx'
import type { AnalysisDatasets, AnalysisResults, EfficacyAnalysis, SafetyWindow } from '../analysis/index.ts'
import { MULTIPLICITY_LABEL } from '../analysis/index.ts'
import type { ReportFigure } from './report-figures.ts'
import { reportFigures } from './report-figures.ts'
import { fmt, fmtCi, fmtCount, fmtP, fmtSummary, shortHash } from './number-format.ts'
import { reportCss } from './report-styles.ts'

export interface ReportInput {
  readonly results: AnalysisResults
  /** The datasets the results came from (for each subject's line in the trajectory figures); optional. */
  readonly datasets?: AnalysisDatasets | undefined
  /** Who generated the report (user or service); defaults to the software. */
  readonly generatedBy?: string | undefined
}

type Node = Child

const SET_LABEL = { primary: 'Primary analysis', 'per-protocol': 'Per protocol', completers: 'Completers' } as const

/** The whole report as an HTML string (`<!doctype html>` included). */
export function renderReportHtml(input: ReportInput): string {
  const r = input.results
  const p = r.provenance
  const figures = reportFigures(r, input.datasets)
  const by = input.generatedBy ?? `${p.software.name} ${p.software.version}`
  const blinding = p.blinded ? 'BLINDED report (arms pooled)' : 'UNBLINDED report'
  const css = reportCss({
    studyId: p.studyId,
    protocol: `${p.protocolVersion} (sha256 ${shortHash(p.protocolHash)})`,
    dataCut: p.dataCutDate,
    generated: `Generated ${p.generatedAt} by ${by}`,
    blinding,
  })
  let tableNo = 0
  const caption = (text: string): string => `Table ${++tableNo}. ${text}`
  const label = (key: string): string => r.groups.find((g) => g.key === key)?.label ?? key
  const period = (id: string): string => r.periods.find((x) => x.id === id)?.label ?? id

  const doc = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="generator" content={`${p.software.name} ${p.software.version}`} />
        <title>{`${p.studyId} — analysis report (${p.blinded ? 'blinded' : 'unblinded'}), data cut ${p.dataCutDate}`}</title>
        <style>{raw(css)}</style>
      </head>
      <body>
        <header class="title-page" id="title">
          <p>
            <span class={p.blinded ? 'badge blinded' : 'badge'}>{blinding}</span>
          </p>
          <h1>{p.studyTitle}</h1>
          <p class="muted">
            Statistical analysis report · study {p.studyId} · protocol version {p.protocolVersion}
          </p>
          <dl class="stamp">
            <dt>Data cut</dt>
            <dd>{p.dataCutDate}</dd>
            <dt>Data source</dt>
            <dd>{p.dataSource}</dd>
            <dt>Protocol hash</dt>
            <dd>{p.protocolHash}</dd>
            <dt>Snapshot hash</dt>
            <dd>{p.snapshotHash ?? 'none (not a locked snapshot)'}</dd>
            <dt>Datasets hash</dt>
            <dd>{p.datasetsHash}</dd>
            <dt>Software</dt>
            <dd>{`${p.software.name} ${p.software.version}`}</dd>
            <dt>Seed</dt>
            <dd>{p.seed === null ? 'none' : String(p.seed)}</dd>
            <dt>Generated</dt>
            <dd>{`${p.generatedAt} by ${by}`}</dd>
          </dl>
          <nav class="toc">
            <h3>Contents</h3>
            <ol>
              <li>
                <a href="#methods">Methods and populations</a>
              </li>
              <li>
                <a href="#flow">Participant flow and recruitment</a>
              </li>
              <li>
                <a href="#baseline">Baseline characteristics</a>
              </li>
              <li>
                <a href="#efficacy">Efficacy</a>
              </li>
              <li>
                <a href="#survival">Survival</a>
              </li>
              <li>
                <a href="#safety">Safety</a>
              </li>
              <li>
                <a href="#feasibility">Feasibility</a>
              </li>
              <li>
                <a href="#models">Appendix: models fitted</a>
              </li>
            </ol>
          </nav>
        </header>

        <section class="main" id="methods">
          <h2>1. Methods and populations</h2>
          <p>
            Rates of change are estimated per month (30.4375 days) since randomization with a linear mixed model with a
            random intercept and slope per subject, fitted by REML; degrees of freedom by Satterthwaite's method.
            {p.blinded
              ? ' This is a blinded report: all arms are pooled and no result is split by arm.'
              : ` Each active arm is compared with the control; two-sided alpha ${r.efficacy.alpha}, ${MULTIPLICITY_LABEL[r.efficacy.multiplicity]} for multiplicity.`}{' '}
            Survival is analysed over the whole follow-up by Kaplan-Meier, log-rank and Cox models. Adverse events are
            compared between arms with Fisher's exact test.
          </p>
          <table>
            <caption>{caption('Analysis populations.')}</caption>
            <thead>
              <tr>
                <th>Population</th>
                <th>Rule</th>
                {r.groups.map((g) => (
                  <th class="num">{g.label}</th>
                ))}
                <th class="num">Total</th>
              </tr>
            </thead>
            <tbody>
              {r.populations.map((pop) => (
                <tr>
                  <td>{`${pop.label} (${pop.id})`}</td>
                  <td>{pop.rule}</td>
                  {pop.byGroup.map((c) => (
                    <td class="num">{c.n}</td>
                  ))}
                  <td class="num">{pop.n}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Models fitted</h3>
          <ul>
            {[...new Set(r.efficacy.analyses.flatMap((a) => (a.model ? [a.model.formula] : [])))].map((f) => (
              <li>
                <code class="formula">{f}</code>
              </li>
            ))}
            {[...new Set(r.efficacy.crossover.flatMap((a) => a.models.map((m) => m.formula)))].map((f) => (
              <li>
                <code class="formula">{f}</code> (crossover, re-allocated control patients)
              </li>
            ))}
            {[...new Set(r.survival.flatMap((s) => (s.cox ? [s.cox.formula] : [])))].map((f) => (
              <li>
                <code class="formula">{f}</code>
              </li>
            ))}
          </ul>
          <h3>Notes</h3>
          <ul>
            {r.notes.map((n) => (
              <li>{n}</li>
            ))}
          </ul>
        </section>

        <section class="main" id="flow">
          <h2>2. Participant flow and recruitment</h2>
          {figure(figures.consort)}
          {figure(figures.recruitment)}
          <table>
            <caption>{caption('Screening and randomization by site.')}</caption>
            <thead>
              <tr>
                <th>Site</th>
                <th class="num">Screened</th>
                <th class="num">Randomized</th>
              </tr>
            </thead>
            <tbody>
              {r.recruitment.bySite.map((s) => (
                <tr>
                  <td>{`${s.label} (${s.site})`}</td>
                  <td class="num">{s.screened}</td>
                  <td class="num">{s.randomized}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <section class="main" id="baseline">
          <h2>3. Baseline characteristics</h2>
          <table>
            <caption>
              {caption(
                `Baseline characteristics, ${r.baseline.population} population. Continuous: mean (SD), median [Q1, Q3], range; categorical: n (%).`,
              )}
            </caption>
            <thead>
              <tr>
                <th>Characteristic</th>
                {r.baseline.columns.map((c) => (
                  <th class="num">{`${c.label} (n = ${c.n})`}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {r.baseline.rows.flatMap((row) =>
                row.kind === 'continuous'
                  ? [
                      <tr class="group-head">
                        <td
                          colspan={r.baseline.columns.length + 1}
                        >{`${row.label}${row.unit ? ` (${row.unit})` : ''}`}</td>
                      </tr>,
                      ...['Mean (SD)', 'Median [Q1, Q3]', 'Range'].map((what, i) => (
                        <tr>
                          <td class="indent">{what}</td>
                          {row.cells.map((c) => (
                            <td class="num">{fmtSummary(c.summary)[i] ?? '–'}</td>
                          ))}
                        </tr>
                      )),
                    ]
                  : [
                      <tr class="group-head">
                        <td colspan={r.baseline.columns.length + 1}>{row.label}</td>
                      </tr>,
                      ...row.levels.map((level) => (
                        <tr>
                          <td class="indent">{level.level}</td>
                          {level.cells.map((c) => (
                            <td class="num">{fmtCount(c.n, c.pct)}</td>
                          ))}
                        </tr>
                      )),
                      ...(row.missing.some((m) => m.n > 0)
                        ? [
                            <tr>
                              <td class="indent">Missing</td>
                              {row.missing.map((m) => (
                                <td class="num">{m.n}</td>
                              ))}
                            </tr>,
                          ]
                        : []),
                    ],
              )}
            </tbody>
          </table>
        </section>

        <section class="main" id="efficacy">
          <h2>4. Efficacy</h2>
          {figures.trajectories.map(figure)}
          {efficacyTable(r, 'primary', caption, label, period)}
          {p.blinded ? null : sensitivityTable(r, caption, label)}
          {p.blinded || r.efficacy.crossover.length === 0 ? null : crossoverTable(r, caption, label, period)}
          {figures.forests.length > 0 ? <h3>Differences in slope from the control</h3> : null}
          <div class="forest-grid">{figures.forests.map(figure)}</div>
        </section>

        <section class="main" id="survival">
          <h2>5. Survival</h2>
          {figures.survival.map(figure)}
          {survivalTable(r, caption, label)}
        </section>

        <section class="main" id="safety">
          <h2>6. Safety</h2>
          <p>
            Safety population ({r.safety.population}). Percentages are of the subjects at risk in each column; events
            are counted with repeats; rates are events per patient-month at risk.
          </p>
          {r.safety.windows.map((w) => safetySummaryTable(r, w, caption))}
          {figures.aeBySoc ? figure(figures.aeBySoc) : null}
          {socTable(r, caption)}
          {postInfusionTables(r, caption, period)}
        </section>

        <section class="main" id="feasibility">
          <h2>7. Feasibility</h2>
          {feasibilityTable(r, caption, period)}
        </section>

        <section class="main" id="models">
          <h2>Appendix: models fitted</h2>
          {r.efficacy.analyses.filter((a) => a.model !== null).map((a) => modelTable(a, caption, period))}
        </section>
      </body>
    </html>
  )
  const rendered = (doc as unknown as { toString(): string | Promise<string> }).toString()
  if (typeof rendered !== 'string') throw new Error('the report components must render synchronously')
  return `<!doctype html>\n${rendered}`
}

function figure(f: ReportFigure): Child {
  return <div class="figure-holder">{raw(f.html)}</div>
}

type Caption = (text: string) => string
type Label = (key: string) => string

function efficacyTable(
  r: AnalysisResults,
  set: EfficacyAnalysis['set'],
  caption: Caption,
  label: Label,
  period: Label,
): Node {
  const analyses = r.efficacy.analyses.filter((a) => a.set === set)
  const blinded = r.provenance.blinded
  const first = analyses[0]
  if (!first) return null
  return (
    <table>
      <caption>
        {caption(
          `Rate of change per month, ${period(first.period)}, ${first.population} population: slope per ${blinded ? 'pooled group' : 'arm'} (95 % CI)${blinded ? '' : ', and difference from the control with unadjusted and multiplicity-adjusted p-values'}.`,
        )}
      </caption>
      <thead>
        <tr>
          <th>Endpoint / arm</th>
          <th class="num">Slope (95 % CI)</th>
          {blinded ? null : <th class="num">Difference (95 % CI)</th>}
          {blinded ? null : <th class="num">df</th>}
          {blinded ? null : <th class="num">p</th>}
          {blinded ? null : <th class="num">p (adjusted)</th>}
        </tr>
      </thead>
      <tbody>
        {analyses.flatMap((a) => [
          <tr class="group-head">
            <td colspan={blinded ? 2 : 6}>
              {`${a.label}${a.unit ? ` (${a.unit}/month)` : ''} · ${a.role}${a.status === 'not-estimable' ? ` — not estimable: ${a.reason ?? ''}` : ''}`}
            </td>
          </tr>,
          ...a.slopes.map((s) => {
            const c = a.contrasts.find((x) => x.key === s.key)
            return (
              <tr>
                <td class="indent">{label(s.key)}</td>
                <td class="num">{fmtCi(s.estimate, s.ci, 3)}</td>
                {blinded ? null : <td class="num">{c ? fmtCi(c.estimate, c.ci, 3) : 'reference'}</td>}
                {blinded ? null : <td class="num">{c ? fmt(c.df, 1) : ''}</td>}
                {blinded ? null : <td class="num">{c ? fmtP(c.p) : ''}</td>}
                {blinded ? null : <td class="num">{c ? fmtP(c.pAdjusted) : ''}</td>}
              </tr>
            )
          }),
        ])}
      </tbody>
    </table>
  )
}

function sensitivityTable(r: AnalysisResults, caption: Caption, label: Label): Node {
  const sets = (['primary', 'per-protocol', 'completers'] as const).filter((s) =>
    r.efficacy.analyses.some((a) => a.set === s),
  )
  const endpoints = [...new Set(r.efficacy.analyses.map((a) => a.endpoint))]
  return (
    <table>
      <caption>
        {caption(
          'Sensitivity analyses: difference in slope from the control (95 % CI) and adjusted p, by analysis set.',
        )}
      </caption>
      <thead>
        <tr>
          <th>Endpoint / arm</th>
          {sets.map((s) => (
            <th class="num">{SET_LABEL[s]}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {endpoints.flatMap((e) => {
          const bySet = sets.map((s) => r.efficacy.analyses.find((a) => a.endpoint === e && a.set === s))
          const keys = [...new Set(bySet.flatMap((a) => a?.contrasts.map((c) => c.key) ?? []))]
          return [
            <tr class="group-head">
              <td colspan={sets.length + 1}>
                {`${bySet[0]?.label ?? e} · n subjects: ${bySet.map((a) => a?.model?.nSubjects ?? 0).join(' / ')}`}
              </td>
            </tr>,
            ...keys.map((k) => (
              <tr>
                <td class="indent">{label(k)}</td>
                {bySet.map((a) => {
                  const c = a?.contrasts.find((x) => x.key === k)
                  return (
                    <td class="num">
                      {c ? `${fmtCi(c.estimate, c.ci, 3)}; p = ${fmtP(c.pAdjusted)}` : 'not estimable'}
                    </td>
                  )
                })}
              </tr>
            )),
          ]
        })}
      </tbody>
    </table>
  )
}

function crossoverTable(r: AnalysisResults, caption: Caption, label: Label, period: Label): Node {
  const first = r.efficacy.crossover[0]
  if (!first) return null
  return (
    <table>
      <caption>
        {caption(
          `Control patients re-allocated at the start of "${period(first.periods[1])}": slope before and after the switch (per month, 95 % CI) and the change, within patients.`,
        )}
      </caption>
      <thead>
        <tr>
          <th>Endpoint / arm after switch</th>
          <th class="num">n</th>
          <th class="num">Before</th>
          <th class="num">After</th>
          <th class="num">Change (95 % CI)</th>
          <th class="num">p</th>
        </tr>
      </thead>
      <tbody>
        {r.efficacy.crossover.flatMap((x) => [
          <tr class="group-head">
            <td
              colspan={6}
            >{`${x.label}${x.status === 'not-estimable' ? ` — not estimable: ${x.reason ?? ''}` : ''}`}</td>
          </tr>,
          ...x.groups.map((g) => (
            <tr>
              <td class="indent">{g.key === 'all' ? 'All re-allocated' : label(g.key)}</td>
              <td class="num">{g.nSubjects}</td>
              <td class="num">{fmtCi(g.pre.estimate, g.pre.ci, 3)}</td>
              <td class="num">{fmtCi(g.post.estimate, g.post.ci, 3)}</td>
              <td class="num">{fmtCi(g.change.estimate, g.change.ci, 3)}</td>
              <td class="num">{fmtP(g.change.p)}</td>
            </tr>
          )),
        ])}
      </tbody>
    </table>
  )
}

function survivalTable(r: AnalysisResults, caption: Caption, label: Label): Node {
  const blinded = r.provenance.blinded
  return (
    <table>
      <caption>
        {caption(
          `Survival endpoints: subjects, events and median survival in months (95 % CI)${blinded ? '' : '; log-rank test across arms and Cox hazard ratio against the control (95 % CI), adjusted p'}.`,
        )}
      </caption>
      <thead>
        <tr>
          <th>Endpoint / arm</th>
          <th class="num">n</th>
          <th class="num">Events</th>
          <th class="num">Median (95 % CI)</th>
          {blinded ? null : <th class="num">Hazard ratio (95 % CI)</th>}
          {blinded ? null : <th class="num">p (adjusted)</th>}
        </tr>
      </thead>
      <tbody>
        {r.survival.flatMap((s) => [
          <tr class="group-head">
            <td colspan={blinded ? 4 : 6}>
              {`${s.label} (${s.events.join(', ')})${s.logRank ? ` · log-rank χ² = ${fmt(s.logRank.chisq, 2)}, df = ${s.logRank.df}, p = ${fmtP(s.logRank.p)}` : ''}${s.reason ? ` · ${s.reason}` : ''}`}
            </td>
          </tr>,
          ...s.curves.map((c) => {
            const term = s.cox?.terms.find((t) => t.key === c.key)
            const median =
              c.median.estimate === null ? 'not reached' : fmtCi(c.median.estimate, [c.median.lower, c.median.upper], 1)
            return (
              <tr>
                <td class="indent">{label(c.key)}</td>
                <td class="num">{c.n}</td>
                <td class="num">{c.events}</td>
                <td class="num">{median}</td>
                {blinded ? null : <td class="num">{term ? fmtCi(term.hr, term.ci, 2) : s.cox ? 'reference' : '–'}</td>}
                {blinded ? null : <td class="num">{term ? `${fmtP(term.p)} (${fmtP(term.pAdjusted)})` : ''}</td>}
              </tr>
            )
          }),
        ])}
      </tbody>
    </table>
  )
}

function safetySummaryTable(r: AnalysisResults, w: SafetyWindow, caption: Caption): Node {
  const blinded = r.provenance.blinded
  return (
    <table class="keep">
      <caption>{caption(`Adverse events, ${w.label}: subjects n (%) [events].`)}</caption>
      <thead>
        <tr>
          <th>Category</th>
          {w.columns.map((c) => (
            <th class="num">{`${c.label} (n = ${c.atRisk})`}</th>
          ))}
          {blinded ? null : <th class="num">p (Fisher)</th>}
        </tr>
      </thead>
      <tbody>
        {w.summary.map((cat) => (
          <tr>
            <td>{cat.label}</td>
            {cat.counts.map((c) => (
              <td class="num">{`${fmtCount(c.subjects, c.pct)} [${c.events}]`}</td>
            ))}
            {blinded ? null : <td class="num">{fmtP(cat.test?.p ?? null)}</td>}
          </tr>
        ))}
        <tr>
          <td>Events per patient-month (patient-months)</td>
          {w.rates.map((x) => (
            <td class="num">{`${fmt(x.perPatientMonth, 3)} (${fmt(x.exposureMonths, 0)})`}</td>
          ))}
          {blinded ? null : <td />}
        </tr>
      </tbody>
    </table>
  )
}

function socTable(r: AnalysisResults, caption: Caption): Node {
  const w = r.safety.windows.find((x) => x.id === 'overall')
  if (!w) return null
  const blinded = r.provenance.blinded
  return (
    <table>
      <caption>
        {caption('Adverse events by system organ class and preferred term, whole follow-up: subjects n (%).')}
      </caption>
      <thead>
        <tr>
          <th>System organ class / preferred term</th>
          {w.columns.map((c) => (
            <th class="num">{`${c.label} (n = ${c.atRisk})`}</th>
          ))}
          {blinded ? null : <th class="num">p (Fisher)</th>}
        </tr>
      </thead>
      <tbody>
        {w.bySoc.flatMap((s) => [
          <tr class="group-head">
            <td>{s.soc}</td>
            {s.counts.map((c) => (
              <td class="num">{fmtCount(c.subjects, c.pct)}</td>
            ))}
            {blinded ? null : <td class="num">{fmtP(s.test?.p ?? null)}</td>}
          </tr>,
          ...s.terms.map((t) => (
            <tr>
              <td class="indent">{t.pt}</td>
              {t.counts.map((c) => (
                <td class="num">{fmtCount(c.subjects, c.pct)}</td>
              ))}
              {blinded ? null : <td />}
            </tr>
          )),
        ])}
      </tbody>
    </table>
  )
}

function postInfusionTables(r: AnalysisResults, caption: Caption, period: Label): Node {
  return r.safety.postInfusion.map((x) => (
    <table class="keep">
      <caption>
        {caption(
          `Adverse events within ${x.windowHours} h after the infusion, ${period(x.period)}, by preparation given: infusions n (%) [events].`,
        )}
      </caption>
      <thead>
        <tr>
          <th>Category</th>
          {x.columns.map((c) => (
            <th class="num">{`${c.label} (${c.infusions} infusions)`}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {x.summary.map((cat) => (
          <tr>
            <td>{cat.label}</td>
            {cat.counts.map((c) => (
              <td class="num">{`${fmtCount(c.infusions, c.pct)} [${c.events}]`}</td>
            ))}
          </tr>
        ))}
        {x.terms.map((t) => (
          <tr>
            <td class="indent">{t.pt}</td>
            {t.counts.map((c) => (
              <td class="num">{String(c.events)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  ))
}

function feasibilityTable(r: AnalysisResults, caption: Caption, period: Label): Node {
  const f = r.feasibility
  const summary = (s: (typeof f)['extractionToInfusionDays'], digits = 1): string =>
    s.n === 0
      ? '–'
      : `median ${fmt(s.median, digits)} [${fmt(s.q1, digits)}, ${fmt(s.q3, digits)}], range ${fmt(s.min, digits)}–${fmt(s.max, digits)} (n = ${s.n})`
  const rows: [string, string][] = [
    [
      'Tissue extraction: sufficient for manufacturing',
      `${fmtCount(f.extraction.sufficient, f.extraction.pct)} of ${f.extraction.attempted}`,
    ],
    ['Adipose tissue obtained (g)', summary(f.extraction.adiposeG)],
    ['Lipoaspirate volume (mL)', summary(f.extraction.lipoaspirateMl, 0)],
    [
      'Manufacturing: lots released',
      `${fmtCount(f.manufacturing.released, f.manufacturing.pctReleased)} of ${f.manufacturing.started}`,
    ],
    [
      'Failed release',
      `${f.manufacturing.failed}${f.manufacturing.failureReasons.length > 0 ? `: ${f.manufacturing.failureReasons.map((x) => `${x.reason} (${x.n})`).join('; ')}` : ''}`,
    ],
    ['Viable cells per lot (×10^6)', summary(f.manufacturing.cellCount)],
    ['Cell viability (%)', summary(f.manufacturing.viability)],
    ['Infusions given', String(f.infusion.given)],
    ['Completed as per protocol', fmtCount(f.infusion.completedPerProtocol, f.infusion.pctCompleted)],
    ...f.infusion.byPeriod.map((b): [string, string] => [
      `  ${period(b.period)}`,
      `${b.completedPerProtocol} of ${b.given} completed`,
    ]),
    [
      'Dose deviations',
      f.infusion.doseDeviations.n === null
        ? 'not shown (blinded)'
        : `${f.infusion.doseDeviations.n} (${f.infusion.doseDeviations.definition})`,
    ],
    ['Infusion reactions', String(f.infusion.reactions)],
    ['Days from extraction to first infusion', summary(f.extractionToInfusionDays)],
  ]
  return (
    <table>
      <caption>{caption('Feasibility of extraction, manufacturing and infusion (all arms pooled).')}</caption>
      <thead>
        <tr>
          <th>Measure</th>
          <th>Result</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([k, v]) => (
          <tr>
            <td>{k}</td>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function modelTable(a: EfficacyAnalysis, caption: Caption, period: Label): Node {
  const m = a.model
  if (!m) return null
  return (
    <table class="keep">
      <caption>
        {caption(
          `${a.label}, ${period(a.period)}, ${SET_LABEL[a.set]} (${a.population}): ${m.formula}; ${m.method}; ${m.nObs} observations, ${m.nSubjects} subjects; residual SD ${fmt(m.residualSd, 3)}; random-effect SD ${m.randomSd.map((x) => `${x.term} ${fmt(x.sd, 3)}`).join(', ')}${m.converged ? '' : '; NOT CONVERGED'}${m.singular ? '; singular fit' : ''}${m.warnings.length > 0 ? `; ${m.warnings.join('; ')}` : ''}.`,
        )}
      </caption>
      <thead>
        <tr>
          <th>Term</th>
          <th class="num">Estimate</th>
          <th class="num">SE</th>
          <th class="num">df</th>
          <th class="num">t</th>
          <th class="num">p</th>
        </tr>
      </thead>
      <tbody>
        {m.fixed.map((f) => (
          <tr>
            <td>{f.term}</td>
            <td class="num">{fmt(f.estimate, 4)}</td>
            <td class="num">{fmt(f.se, 4)}</td>
            <td class="num">{fmt(f.df, 1)}</td>
            <td class="num">{fmt(f.t, 2)}</td>
            <td class="num">{fmtP(f.p)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
