// The README's Node snippet comes from examples/node/money_demo.mjs; run it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const example = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'node', 'money_demo.mjs')

test('money demo prints what the README says', () => {
  const out = execFileSync(process.execPath, [example], { encoding: 'utf8' })
  assert.deepEqual(out.trim().split('\n'), ["59.97 4.95 [ '8.57', '1.43', '0.00' ]", 'invalid_amount_precision'])
})
