import { describe, expect, it } from 'vitest'
import { FormDef } from '../domain/index.ts'
import { instrumentTemplates } from '../instruments/index.ts'
import { compileForm } from './compile-form.ts'

describe('compileForm', () => {
  // A template's items, formulas and checks must pass the same reference checks as a protocol author's form.
  for (const template of instrumentTemplates()) {
    it(`accepts the ${template.id} template written out as a protocol-defined form`, () => {
      const def = FormDef.parse({
        id: template.id,
        label: template.name,
        items: template.items,
        derived: template.derived,
        checks: template.checks,
      })
      expect(compileForm(def, 'forms[0]').problems).toEqual([])
    })
  }

  it('appends protocol items after the instrument’s and lets formulas use the instrument’s scores', () => {
    const def = FormDef.parse({
      id: 'ALSFRS',
      label: 'ALSFRS-R with extras',
      instrument: 'ALSFRS-R',
      labels: { Q1: 'Habla' },
      items: [{ id: 'rater', label: 'Rater initials', type: 'text', maxLength: 3 }],
      derived: [{ id: 'loss', label: 'Points lost', formula: '48 - total' }],
    })
    const { form, problems } = compileForm(def, 'forms[0]')
    expect(problems).toEqual([])
    expect(form?.items.map((i) => i.id).slice(-2)).toEqual(['Q12', 'rater'])
    expect(form?.items[0]?.label).toBe('Habla')
    expect(form?.derived.map((d) => d.id)).toEqual(['loss'])
  })

  it('still checks the protocol’s own items when the instrument is unknown', () => {
    const def = FormDef.parse({
      id: 'X',
      label: 'X',
      instrument: 'NOPE',
      items: [{ id: 'a', label: 'A', type: 'text', decimals: 2 }],
    })
    const { form, problems } = compileForm(def, 'forms[4]')
    expect(form).toBeNull()
    expect(problems.map((p) => p.path)).toEqual(['forms[4].instrument', 'forms[4].items[0].decimals'])
  })
})
