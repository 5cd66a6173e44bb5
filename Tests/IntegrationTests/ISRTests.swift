import Foundation
import RehabDatabase
import RehabTestSupport
import Testing

/// `stats.isr` (sql/analysis/30_stats_isr.sql) against PHEindicatormethods' test data: testdata_DSR_ISR.xlsx of
/// https://github.com/ukhsa-collaboration/PHEindicatormethods (commit 093fd28, GPL-3), sheets
/// testdata_multiarea_isr (inputs) and testresults_ISR (expected), which its testISRatios.R and testISRates.R use.
@Suite("Indirect standardisation", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"))
struct ISRTests {
    // The 19 age bands of the test areas: their populations, and the reference counts and populations.
    static let populations =
        "ARRAY[636,558,609,543,384,594,669,843,660,576,606,522,426,273,300,288,153,123,207]::numeric[]"
    static let referenceCounts =
        "ARRAY[10303,2824,0,3615,3641,3490,3789,3213,3031,2771,3089,3490,3595,4745,5514,7125,5694,6210,5757]::numeric[]"
    static let referencePopulations =
        "ARRAY[50520,57173,60213,54659,44345,50128,62163,67423,62899,55463,60479,49974,44140,40888,37239,30819,"
        + "18136,15325,13918]::numeric[]"

    /// PHE's results: observed; ratio and its 95% and 99.8% limits; rate per 100,000 and its limits.
    static let expected: [(observed: Int, ratio: [Double], ratio998: [Double], rate: [Double], rate998: [Double])] = [
        (
            895, [1.0707232939020275, 1.0017147712553987, 1.143233287249895], [0.9635155619614437, 1.1860070415876287],
            [10011.137622091057, 9365.91600297888, 10689.097582910616], [9008.7578618655, 11089.02718538338]
        ),
        (
            91, [0.10886683770400503, 0.08765040101829405, 0.1336657632841891],
            [0.07695425528392111, 0.14897920510466744],
            [1017.8922051511577, 819.521002506463, 1249.75926013832], [719.5132903528245, 1392.9381508991678]
        ),
        // Fewer than 10 events: exact limits.
        (
            9, [0.010767049882813684, 0.004923380825095776, 0.02043921455549973],
            [0.0029339306550682617, 0.02710589651469021],
            [100.6706576523123, 46.03303513307893, 191.10426659054028], [27.43190862554234, 253.4369635219236]
        ),
    ]

    static func close(_ a: String?, _ b: Double) -> Bool {
        guard let a = a.flatMap(Double.init) else { return false }
        return abs(a - b) <= 1e-9 * abs(b)
    }

    @Test("Ratio and rate with 95% and 99.8% limits, Byar's from 10 events and exact below, as PHE")
    func phe() throws {
        let db = try TestFixtures.database()
        let c = try db.connect()
        for test in Self.expected {
            let arguments =
                "\(test.observed), \(Self.populations), \(Self.referenceCounts), \(Self.referencePopulations)"
            let row = try c.query(
                "SELECT expected, reference_rate, ratio, ratio_lower, ratio_upper, rate, rate_lower, rate_upper "
                    + "FROM stats.isr(\(arguments))"
            ).rows[0]
            #expect(Self.close(row[0], 835.8835612311743) && Self.close(row[1], 9349.88309221102))
            for (value, want) in zip(row[2...4], test.ratio) { #expect(Self.close(value, want), "\(test.observed)") }
            for (value, want) in zip(row[5...7], test.rate) { #expect(Self.close(value, want), "\(test.observed)") }
            let wide = try c.query(
                "SELECT ratio_lower, ratio_upper, rate_lower, rate_upper FROM stats.isr(\(arguments), 100000, 0.998)"
            ).rows[0]
            for (value, want) in zip(wide, test.ratio998 + test.rate998) {
                #expect(Self.close(value, want), "\(test.observed) at 99.8%")
            }
            // Per 1,000 instead of 100,000: the rate scales, the ratio does not.
            let perThousand = try c.query("SELECT rate FROM stats.isr(\(arguments), 1000)").scalar
            #expect(Self.close(perThousand, test.rate[0] / 100))
        }
    }

    @Test("A missing band counts as 0; bad arguments are refused with SQLSTATE 22023")
    func edges() throws {
        let db = try TestFixtures.database()
        let c = try db.connect()
        // PHE's test "ref as specified vector" gives the 10-14 reference count as NA, with the same results as 0.
        let withNull = try c.query(
            "SELECT ratio FROM stats.isr(895, \(Self.populations), "
                + "\(Self.referenceCounts.replacingOccurrences(of: "2824,0,", with: "2824,NULL,")), "
                + "\(Self.referencePopulations))"
        ).scalar
        #expect(Self.close(withNull, 1.0707232939020275))
        for (sql, message) in [
            ("stats.isr(-1, '{1}', '{1}', '{1}')", "observed must not be negative"),
            ("stats.isr(1, '{1,2}', '{1}', '{1}')", "must have the same, non-zero number of elements"),
            ("stats.isr(1, '{1}', '{1}', '{0}')", "every reference population must be greater than zero"),
            ("stats.isr(1, '{0}', '{1}', '{1}')", "no events are expected"),
            ("stats.isr(1, '{1}', '{1}', '{1}', 100000, 1)", "confidence must be strictly between 0 and 1"),
        ] {
            let error = try #require(throws: DatabaseError.self) { try c.query("SELECT * FROM \(sql)") }
            #expect(error.sqlState == "22023" && error.serverMessage?.contains(message) == true, "\(sql)")
        }
    }
}
