// The Node binding calls the real compiled library: strings in, strings out,
// errors with `.code`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { readFileSync, readdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const kassa = require('../index.js')
const { Money, roundAmount, allocate, minorUnits, currencies, errorCodes } = kassa

const here = dirname(fileURLToPath(import.meta.url))
const scenarioDir = process.env.KASSA_SCENARIOS ?? join(here, '..', '..', '..', 'shared', 'scenarios')

function throwsCode(fn, code) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof Error, 'an Error')
    assert.equal(err.code, code)
    assert.ok(err.message.length > 0)
    return true
  })
}

test('parse and format canonically', () => {
  const cases = [
    ['12.3', 'USD', '12.30', 1230n],
    ['10.000', 'USD', '10.00', 1000n],
    ['1000', 'JPY', '1000', 1000n],
    ['0.25', 'KWD', '0.250', 250n],
    ['-0', 'USD', '0.00', 0n],
    ['2.3475', 'UYW', '2.3475', 23475n],
    ['92233720368547758.07', 'USD', '92233720368547758.07', 2n ** 63n - 1n],
  ]
  for (const [input, cur, text, minor] of cases) {
    const m = Money.parse(input, cur)
    assert.equal(m.amount, text)
    assert.equal(m.toString(), text)
    assert.equal(`${m}`, text)
    assert.equal(m.currency, cur)
    assert.equal(m.minorUnits, minor)
    assert.deepEqual(JSON.parse(JSON.stringify(m)), { amount: text, currency: cur })
  }
})

test('typed errors carry the core code', () => {
  const cases = [
    ['', 'USD', 'invalid_amount'],
    [' 1.00', 'USD', 'invalid_amount'],
    ['1e3', 'USD', 'invalid_amount'],
    ['NaN', 'USD', 'invalid_amount'],
    ['Infinity', 'USD', 'invalid_amount'],
    ['10.005', 'USD', 'invalid_amount_precision'],
    ['0.5', 'JPY', 'invalid_amount_precision'],
    ['92233720368547758.08', 'USD', 'amount_out_of_range'],
    ['1.00', 'ZZZ', 'unknown_currency'],
    ['1.00', 'usd', 'unknown_currency'],
  ]
  for (const [input, cur, code] of cases) throwsCode(() => Money.parse(input, cur), code)
  assert.throws(() => Money.parse('10.005', 'USD'), /"10\.005".*USD/)
})

test('numbers are not accepted as amounts', () => {
  assert.throws(() => Money.parse(12.3, 'USD'))
  assert.throws(() => Money.fromMinorUnits(1230, 'USD'))
})

test('bigint minor units in and out', () => {
  assert.equal(Money.fromMinorUnits(1230n, 'USD').amount, '12.30')
  assert.equal(Money.fromMinorUnits(-(2n ** 63n), 'USD').minorUnits, -(2n ** 63n))
  throwsCode(() => Money.fromMinorUnits(2n ** 63n, 'USD'), 'amount_out_of_range')
})

test('arithmetic is checked', () => {
  const a = Money.parse('0.10', 'USD')
  const b = Money.parse('0.20', 'USD')
  assert.equal(a.add(b).amount, '0.30')
  assert.equal(a.subtract(b).amount, '-0.10')
  assert.equal(a.negate().amount, '-0.10')
  assert.equal(a.multiplyQuantity(3).amount, '0.30')
  assert.equal(Money.parse('0.01', 'USD').multiplyQuantity(5_000_000_000).amount, '50000000.00')
  assert.equal(Money.parse('0.01', 'USD').multiplyQuantity(5_000_000_000n).amount, '50000000.00')
  assert.ok(a.equals(Money.parse('0.1', 'USD')))
  assert.equal(a.compare(b), -1)
  assert.equal(b.compare(a), 1)
  assert.equal(a.compare(a), 0)

  const eur = Money.parse('1.00', 'EUR')
  throwsCode(() => a.add(eur), 'currency_mismatch')
  throwsCode(() => a.compare(eur), 'currency_mismatch')
  const top = Money.fromMinorUnits(2n ** 63n - 1n, 'USD')
  throwsCode(() => top.add(Money.parse('0.01', 'USD')), 'amount_out_of_range')
  throwsCode(() => top.multiplyQuantity(2), 'amount_out_of_range')
  // napi would silently truncate these; the binding refuses them.
  for (const bad of [2.9, -1, 2 ** 53, Number.NaN, Infinity, -1n]) {
    throwsCode(() => a.multiplyQuantity(bad), 'invalid_quantity')
  }
  assert.throws(() => a.multiplyQuantity('3'))
})

test('rates round once, with an explicit mode', () => {
  assert.equal(Money.parse('7.0425', 'UYW').multiplyRate('0.22', 'half_up').amount, '1.5494')
  assert.equal(Money.parse('0.1575', 'UYW').multiplyRate('0.22', 'half_up').amount, '0.0347')
  assert.equal(Money.parse('0.1575', 'UYW').multiplyRate('0.22').amount, '0.0346')
  throwsCode(() => Money.parse('1.00', 'USD').multiplyRate('10%'), 'invalid_rate')
  throwsCode(() => Money.parse('1.00', 'USD').multiplyRate('0.1', 'up'), 'invalid_rounding_mode')
  assert.equal(roundAmount('7.125', 'USD', 'half_even').amount, '7.12')
  assert.equal(roundAmount('7.125', 'USD', 'half_up').amount, '7.13')
  assert.equal(roundAmount('-0.0049', 'GBP').amount, '0.00')
})

test('allocation', () => {
  assert.deepEqual(Money.parse('0.11', 'USD').allocate([10, 30, 60]).map(String), ['0.01', '0.03', '0.07'])
  assert.deepEqual(allocate(Money.parse('0.02', 'USD'), [1n, 3n]).map(String), ['0.01', '0.01'])
  throwsCode(() => Money.parse('1.00', 'USD').allocate([0, 0]), 'invalid_weights')
  throwsCode(() => Money.parse('1.00', 'USD').allocate([0.5, 0.5]), 'invalid_weights')
  throwsCode(() => Money.parse('1.00', 'USD').allocate([]), 'invalid_weights')
})

test('currencies', () => {
  assert.equal(minorUnits('JPY'), 0)
  assert.equal(minorUnits('KWD'), 3)
  assert.equal(minorUnits('CLF'), 4)
  assert.ok(currencies().includes('USD'))
  throwsCode(() => minorUnits('EURO'), 'unknown_currency')
  assert.ok(errorCodes().includes('invalid_amount_precision'))
})

function scenarios(kind) {
  const files = readdirSync(scenarioDir).filter((f) => f.endsWith('.json')).sort()
  assert.ok(files.length > 0, `no scenarios in ${scenarioDir}`)
  return files.map((f) => JSON.parse(readFileSync(join(scenarioDir, f), 'utf8'))).filter((s) => s.kind === kind)
}

test('shared rounding and allocation scenarios', () => {
  let n = 0
  for (const s of scenarios('rounding')) {
    for (const c of s.cases) {
      assert.equal(roundAmount(c.value, c.currency, c.mode).amount, c.expected, JSON.stringify(c))
      n++
    }
  }
  for (const s of scenarios('allocation')) {
    for (const c of s.cases) {
      const parts = Money.parse(c.amount, c.currency).allocate(c.ratios).map(String)
      assert.deepEqual(parts, c.expected_parts, JSON.stringify(c))
      n++
    }
  }
  assert.ok(n >= 55, `only ${n} cases ran`)
})
