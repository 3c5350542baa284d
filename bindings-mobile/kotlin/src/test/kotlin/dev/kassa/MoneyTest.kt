package dev.kassa

import java.io.File
import java.math.BigDecimal
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Calls the real compiled library (libkassa_mobile) through the generated bindings. */
class MoneyTest {
    private fun assertCode(code: String, block: () -> Unit) {
        val err = assertThrows(KassaException.InvalidInput::class.java) { block() }
        assertEquals(code, err.code)
        assertTrue(err.detail.isNotEmpty())
    }

    // BigDecimal.equals is scale-sensitive: compare with compareTo, and check the scale on its own.
    private fun assertDecimal(expected: String, actual: BigDecimal) {
        assertEquals(0, BigDecimal(expected).compareTo(actual), "$expected vs $actual")
        assertEquals(BigDecimal(expected).scale(), actual.scale(), "scale of $actual")
    }

    @Test
    fun parsesAndFormatsWithTheCurrencyScale() {
        val cases = listOf(
            Triple("12.3", "USD", "12.30"),
            Triple("10.000", "USD", "10.00"),
            Triple("1000", "JPY", "1000"),
            Triple("0.25", "KWD", "0.250"),
            Triple("-0", "USD", "0.00"),
        )
        for ((input, currency, text) in cases) {
            val m = Money.parse(input, currency)
            assertEquals(text, m.toString())
            assertDecimal(text, m.amount())
            assertEquals(currency, m.currency())
        }
        val fromBig = Money.of(BigDecimal("19.990"), "USD")
        assertEquals(1999L, fromBig.minorUnits())
        assertEquals(Money.fromMinorUnits(1999L, "USD"), fromBig)
        assertEquals(Money.of(BigDecimal("1E+3"), "JPY").toString(), "1000")
    }

    @Test
    fun typedErrorsCarryTheCoreCode() {
        assertCode("invalid_amount") { Money.parse("1e3", "USD") }
        assertCode("invalid_amount") { Money.parse(" 1.00", "USD") }
        assertCode("invalid_amount_precision") { Money.parse("10.005", "USD") }
        assertCode("invalid_amount_precision") { Money.of(BigDecimal("0.5"), "JPY") }
        assertCode("amount_out_of_range") { Money.parse("92233720368547758.08", "USD") }
        assertCode("unknown_currency") { Money.parse("1.00", "ZZZ") }
        val err = assertThrows(KassaException::class.java) { Money.parse("10.005", "USD") }
        assertTrue(err.message!!.contains("10.005"), err.message)
    }

    @Test
    fun arithmeticIsChecked() {
        val a = Money.parse("0.10", "USD")
        val b = Money.parse("0.20", "USD")
        assertEquals("0.30", a.add(b).toString())
        assertEquals("-0.10", a.subtract(b).toString())
        assertEquals("-0.10", a.negate().toString())
        assertEquals("50000000.00", Money.parse("0.01", "USD").multiplyQuantity(5_000_000_000uL).toString())
        assertEquals(-1, a.compare(b))
        assertCode("currency_mismatch") { a.add(Money.parse("1.00", "EUR")) }
        assertCode("amount_out_of_range") { Money.fromMinorUnits(Long.MAX_VALUE, "USD").multiplyQuantity(2uL) }
    }

    @Test
    fun ratesRoundOnceWithAnExplicitMode() {
        val consult = Money.parse("0.1575", "UYW")
        assertDecimal("0.0347", consult.multiplyRate(BigDecimal("0.22"), RoundingMode.HALF_UP).amount())
        assertDecimal("0.0346", consult.multiplyRate(BigDecimal("0.22"), RoundingMode.HALF_EVEN).amount())
        assertEquals("7.13", roundAmount(BigDecimal("7.125"), "USD", RoundingMode.HALF_UP).toString())
        assertEquals("0.00", roundAmount(BigDecimal("-0.0049"), "GBP", RoundingMode.HALF_EVEN).toString())
    }

    @Test
    fun allocationAddsUp() {
        val parts = Money.parse("0.11", "USD").allocate(listOf(10uL, 30uL, 60uL))
        assertEquals(listOf("0.01", "0.03", "0.07"), parts.map { it.toString() })
        assertEquals(listOf("0.01", "0.01"), Money.parse("0.02", "USD").allocate(listOf(1uL, 3uL)).map { it.toString() })
        assertCode("invalid_weights") { Money.parse("1.00", "USD").allocate(listOf(0uL, 0uL)) }
    }

    @Test
    fun currencyTable() {
        assertEquals(0.toUByte(), minorUnits("JPY"))
        assertEquals(3.toUByte(), minorUnits("KWD"))
        assertTrue(currencies().contains("CLF"))
        assertCode("unknown_currency") { minorUnits("EURO") }
    }

    @Test
    fun sharedRoundingScenarios() {
        val dir = File(System.getenv("KASSA_SCENARIOS") ?: "../../../shared/scenarios")
        val files = dir.listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }
        // A deliberately small reader for the flat rounding cases (no JSON library needed).
        val case = Regex("\"value\":\\s*\"([^\"]+)\",\\s*\"currency\":\\s*\"([A-Z]+)\",\\s*\"mode\":\\s*\"(\\w+)\",\\s*\"expected\":\\s*\"([^\"]+)\"")
        var n = 0
        for (f in files) {
            val text = f.readText()
            if (!text.contains("\"kind\": \"rounding\"")) continue
            for (m in case.findAll(text)) {
                val (value, currency, mode, expected) = m.destructured
                val rm = if (mode == "half_up") RoundingMode.HALF_UP else RoundingMode.HALF_EVEN
                assertEquals(expected, roundAmount(BigDecimal(value), currency, rm).toString(), "$value $currency $mode")
                n++
            }
        }
        assertTrue(n >= 40, "only $n rounding cases ran")
    }
}
