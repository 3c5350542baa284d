// Kassa from Node: exact money as strings. Run: node examples/node/money_demo.mjs
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)

// --8<-- [start:readme]
const { Money } = require('../../bindings-node/index.js') // in an app: require('kassa')

const line = Money.parse('19.99', 'USD').multiplyQuantity(3)
const tax = line.multiplyRate('0.0825') // rounded once, half_even
const parts = Money.parse('10.00', 'USD').allocate([5997, 1000, 3])
console.log(line.amount, tax.amount, parts.map(String)) // 59.97 4.95 [ '8.57', '1.43', '0.00' ]

try {
  Money.parse('10.005', 'USD')
} catch (err) {
  console.log(err.code) // invalid_amount_precision
}
// --8<-- [end:readme]
