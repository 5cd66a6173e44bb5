import Foundation
import Logging
import RehabDatabase
import RehabPipeline
import RehabTestSupport
import Testing

/// The `stats` schema of sql/migrations/0007_stats.sql, checked against known answers.
///
/// Every expected value below was computed outside the SQL, by KnownAnswers/stats_known_answers.py (SciPy 1.17's
/// `chi2.ppf`, `chi2.isf` and `norm.ppf`, NumPy's least squares, and the PHEindicatormethods formulas written out
/// again); run it to reprint them. Where the inputs are PHEindicatormethods' own worked examples or tests, or a
/// published table, the case says so. Values are compared with a relative tolerance of 1e-9.
private enum Stats {
    static let root = TestFixtures.root
    static let logger = TestFixtures.logger
    static let tolerance = 1e-9

    /// A fresh database with every migration applied the way `rehabcount db migrate` applies them.
    static func database() throws -> TestDatabase { try TestFixtures.database() }

    /// The single row a statement returns, as numbers (nil for NULL).
    static func row(_ connection: borrowing Connection, _ sql: String) throws -> [Double?] {
        let rows = try connection.query(sql).rows
        try #require(rows.count == 1, "\(sql)")
        return rows[0].map { $0.flatMap(Double.init) }
    }

    /// Whether `actual` is `expected` within the relative tolerance (exactly, for 0 and NULL).
    static func close(_ actual: Double?, _ expected: Double?) -> Bool {
        guard let actual, let expected else { return actual == nil && expected == nil }
        if expected == 0 { return actual == 0 }
        return abs(actual - expected) <= tolerance * abs(expected)
    }

    /// Checks `SELECT * FROM stats.<function>(<arguments>)` for each case.
    static func check(
        _ connection: borrowing Connection,
        _ cases: [(function: String, arguments: String, expected: [Double?])],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        for (function, arguments, expected) in cases {
            let sql =
                function.hasSuffix("_quantile")
                ? "SELECT stats.\(function)(\(arguments))" : "SELECT * FROM stats.\(function)(\(arguments))"
            let actual = try row(connection, sql)
            #expect(actual.count == expected.count, "\(sql)", sourceLocation: sourceLocation)
            for (a, e) in zip(actual, expected) {
                #expect(
                    close(a, e),
                    "\(sql): got \(String(describing: a)), expected \(String(describing: e))",
                    sourceLocation: sourceLocation
                )
            }
        }
    }

    /// `ARRAY[...]::numeric[]` for a list of numbers (nil for NULL).
    static func array(_ values: [Double?]) -> String {
        let items = values.map { value -> String in
            guard let value else { return "NULL" }
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
        }
        return "ARRAY[\(items.joined(separator: ", "))]::numeric[]"
    }

    static let esp2013: [Double?] = [
        5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500,
        1000,
    ]
}

@Suite("stats schema", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"))
struct StatsTests {
    @Test("The stats schema and every function in it have a comment, and only the analyst and loader roles use them")
    func schemaCommentsAndPrivileges() throws {
        let db = try Stats.database()
        let c = try db.connect()
        #expect(try c.query("SELECT obj_description('stats'::regnamespace, 'pg_namespace') IS NOT NULL").scalar == "t")
        let functions = try c.query(
            """
            SELECT p.oid::regprocedure::text, obj_description(p.oid, 'pg_proc') IS NOT NULL, p.provolatile,
                   p.proparallel, p.proisstrict
            FROM pg_proc p WHERE p.pronamespace = 'stats'::regnamespace ORDER BY 1
            """
        ).rows
        let names = functions.compactMap { $0[0] }
        for expected in [
            "stats.wilson_ci(numeric,numeric,numeric)", "stats.byar_ci(numeric,numeric)",
            "stats.poisson_exact_ci(numeric,numeric)", "stats.rate_ci(numeric,numeric,numeric,numeric)",
            "stats.dsr(numeric[],numeric[],numeric[],numeric,numeric)", "stats.sii(numeric[],numeric[])",
            "stats.norm_quantile(double precision)",
            "stats.chisq_quantile(double precision,double precision,boolean)",
        ] {
            #expect(names.contains(expected), "\(expected)")
        }
        for function in functions {
            #expect(Array(function[1...]) == ["t", "i", "s", "t"], "\(function[0] ?? "")")
        }
        // The exact signatures of the public functions, defaults and OUT parameters included.
        let signatures = try c.query(
            """
            SELECT p.proname || '(' || pg_get_function_arguments(p.oid) || ')' FROM pg_proc p
            WHERE p.pronamespace = 'stats'::regnamespace
              AND p.proname IN ('wilson_ci', 'byar_ci', 'poisson_exact_ci', 'rate_ci', 'dsr', 'sii')
            ORDER BY 1
            """
        ).rows.compactMap { $0[0] }
        #expect(
            signatures == [
                "byar_ci(x numeric, confidence numeric DEFAULT 0.95, OUT lower numeric, OUT upper numeric)",
                "dsr(counts numeric[], populations numeric[], standard numeric[], multiplier numeric DEFAULT 100000, "
                    + "confidence numeric DEFAULT 0.95, OUT value numeric, OUT lower numeric, OUT upper numeric)",
                "poisson_exact_ci(x numeric, confidence numeric DEFAULT 0.95, OUT lower numeric, OUT upper numeric)",
                "rate_ci(x numeric, denominator numeric, multiplier numeric DEFAULT 100000, confidence numeric "
                    + "DEFAULT 0.95, OUT value numeric, OUT lower numeric, OUT upper numeric)",
                "sii(vals numeric[], populations numeric[], OUT sii numeric, OUT rii numeric)",
                "wilson_ci(x numeric, n numeric, confidence numeric DEFAULT 0.95, OUT lower numeric, "
                    + "OUT upper numeric)",
            ]
        )
        let privileges = try c.query(
            """
            SELECT r.role, has_schema_privilege(r.role, 'stats', 'USAGE'),
                   bool_and(has_function_privilege(r.role, p.oid, 'EXECUTE'))
            FROM unnest(ARRAY['rehab_analyst', 'rehab_loader', 'rehab_public']) AS r(role)
            CROSS JOIN pg_proc p WHERE p.pronamespace = 'stats'::regnamespace
            GROUP BY r.role ORDER BY r.role
            """
        ).rows
        #expect(
            privileges == [["rehab_analyst", "t", "t"], ["rehab_loader", "t", "t"], ["rehab_public", "f", "f"]]
        )
        try c.query("SET ROLE rehab_analyst")
        #expect(try c.query("SELECT (stats.rate_ci(5, 1000)).value = 500").scalar == "t")
        try c.query("RESET ROLE")
    }

    @Test("The normal and chi-squared quantile helpers match SciPy")
    func quantileHelpers() throws {
        let db = try Stats.database()
        let c = try db.connect()
        try Stats.check(
            c,
            [
                ("norm_quantile", "0.5", [0.0]),
                ("norm_quantile", "0.975", [1.959963984540054]),
                ("norm_quantile", "0.0005", [-3.2905267314918945]),
                ("norm_quantile", "1e-10", [-6.361340902404056]),
                ("norm_quantile", "0.9999995", [4.89163847571478]),
                ("norm_quantile", "0.3", [-0.5244005127080409]),
                ("norm_quantile", "0.02425", [-1.972961051311885]),
                ("norm_quantile", "0.97575", [1.972961051311885]),
                ("chisq_quantile", "0.025, 2, true", [0.05063561596857975]),
                ("chisq_quantile", "0.975, 20, true", [34.16960690283833]),
                ("chisq_quantile", "0.0005, 1, true", [3.9269913310292265e-07]),
                ("chisq_quantile", "0.025, 2000000, true", [1996081.9666805877]),
                ("chisq_quantile", "0.001, 7.5, false", [25.230054920678608]),
                ("chisq_quantile", "0.1, 0.5, true", [0.00013500124771267946]),
            ]
        )
        #expect(try c.query("SELECT stats.chisq_quantile(0.3, 0)").scalar == "0")  // as R's qchisq(p, 0)
    }

    @Test("Wilson score interval: PHEindicatormethods tests, Newcombe 1998, x = 0 and x = n")
    func wilson() throws {
        let db = try Stats.database()
        let c = try db.connect()
        try Stats.check(
            c,
            [
                // PHEindicatormethods tests/testthat/testWilson.R inputs, 95% and 99.8%.
                ("wilson_ci", "65, 100, 0.95", [0.5525444329688797, 0.7363575175690247]),
                ("wilson_ci", "1045, 5000, 0.95", [0.19795549880013297, 0.22049130373189027]),
                ("wilson_ci", "0.445, 1, 0.95", [0.04381744772058821, 0.9334621276979156]),
                ("wilson_ci", "65, 100, 0.998", [0.49549465740704474, 0.7783540614089685]),
                ("wilson_ci", "1045, 5000, 0.998", [0.19179381799015258, 0.22731562902525795]),
                ("wilson_ci", "0.445, 1, 0.998", [0.019347006132901353, 0.9702259947019535]),
                // Newcombe 1998, Table II (method 3), checked to 4 d.p. in the script and again below.
                ("wilson_ci", "81, 263, 0.95", [0.2552885198782742, 0.36620957698280004]),
                ("wilson_ci", "15, 148, 0.95", [0.06238639953073629, 0.16048724172330806]),
                ("wilson_ci", "0, 20, 0.95", [0.0, 0.16112515805281938]),
                ("wilson_ci", "1, 29, 0.95", [0.006113214292762663, 0.17175521879320285]),
                ("wilson_ci", "20, 20, 0.95", [0.8388748419471806, 1.0]),
                ("wilson_ci", "10000, 10000, 0.95", [0.9996160016293234, 1.0]),
                ("wilson_ci", "82, 100, 0.8", [0.7657201563633217, 0.8639384911078337]),
                ("wilson_ci", "3, 7, 0.999", [0.0838547200899726, 0.8600523735409235]),
            ]
        )
        // Newcombe RG, Stat Med 1998;17:857-72, Table II, Wilson score without continuity correction, as published.
        for (arguments, published) in [
            ("81, 263", ["0.2553", "0.3662"]), ("15, 148", ["0.0624", "0.1605"]), ("0, 20", ["0.0000", "0.1611"]),
            ("1, 29", ["0.0061", "0.1718"]),
        ] {
            let rounded = try c.query("SELECT round(lower, 4), round(upper, 4) FROM stats.wilson_ci(\(arguments))")
            #expect(rounded.rows == [published.map { Optional($0) }], "\(arguments)")
        }
        // Confidence 1 gives the whole range, as PHE's wilson_lower and wilson_upper (testWilson.R) for the same inputs.
        for arguments in ["65, 100, 1", "1045, 5000, 1", "0.445, 1, 1"] {
            #expect(try c.query("SELECT lower, upper FROM stats.wilson_ci(\(arguments))").rows == [["0", "1"]])
        }
        // x = 0 and x = n give exactly 0 and 1, and the default confidence is 0.95.
        #expect(try c.query("SELECT lower FROM stats.wilson_ci(0, 7)").scalar == "0")
        #expect(try c.query("SELECT upper FROM stats.wilson_ci(7, 7)").scalar == "1")
        #expect(
            try c.query("SELECT stats.wilson_ci(65, 100) = stats.wilson_ci(65, 100, 0.95)").scalar == "t"
        )
    }

    @Test("The ratio and difference of two DSRs: limits by the normal approximation on the log and rate scales")
    func dsrCompare() throws {
        let db = try Stats.database()
        let c = try db.connect()
        // Worked outside the SQL (Python, the formulas of the function's comment): DSRs 580.2 and 228.5 per
        // 100,000 from three strata each.
        let arguments = "'{30,40,50}', '{10000,8000,5000}', '{12,15,30}', '{9000,9500,7000}', '{5000,5500,4000}'"
        try Stats.check(
            c,
            [
                (
                    "dsr_compare", arguments,
                    [
                        2.53895102198226, 1.8495366284414823, 3.485344487314498, 344.8707976838648, 226.31083884522945,
                        463.43075652250013,
                    ]
                )
            ]
        )
        // Fewer than 10 events on either side: nothing, as stats.dsr gives no rate.
        #expect(
            try c.query(
                "SELECT num_nulls(ratio, difference) FROM stats.dsr_compare('{3,4}', '{100,100}', '{30,40}', "
                    + "'{100,100}', '{1,1}')"
            ).scalar == "2"
        )
    }

    @Test("SII and RII of rates on the log scale (PHE's test data) and of proportions on the logit scale")
    func siiTransformed() throws {
        let db = try Stats.database()
        let c = try db.connect()
        // PHEindicatormethods tests/testthat/testSII.R, "test rate with transformation" and "... negative
        // multiplier": testdata_SII.xlsx rows 306-325 and 386-405 (two areas of 10 deciles, value_type 1).
        let area1 =
            "ARRAY[5.892219689475721, 4.7345044591063035, 3.827634083245766, 3.8681380211371112, "
            + "3.6771570234217785, 3.1436261209723995, 3.1258711808912585, 2.942568346458604, 2.82879950399132, "
            + "2.7648101907140012]::numeric[], "
            + "ARRAY[279012, 255993, 236961, 214315, 192812, 183546, 168593, 164822, 154836, 138165]::numeric[]"
        let area2 =
            "ARRAY[4.89675, 4.5678, 4.67666, 4.35666, 3.9, 3.8, 3.5, 3.2, 3.21, 2.8]::numeric[], "
            + "ARRAY[13837, 14519, 14940, 14599, 12311, 21675, 20065, 19750, 24713, 20112]::numeric[]"
        try Stats.check(
            c,
            [
                ("sii_transformed", "\(area1), 'rate'", [-3.15590713895456, 0.4418848436076823, 5.65458060546947]),
                ("sii_transformed", "\(area2), 'rate'", [-2.2954691808474057, 0.5446144759737053, 5.040716183843519]),
                ("sii_transformed", "\(area1), 'rate', -1", [3.15590713895456, 2.2630330378288055, 5.65458060546947]),
                (
                    "sii_transformed", "\(area2), 'rate', -1",
                    [2.2954691808474057, 1.8361612555599447, 5.040716183843519]
                ),
                // Proportions on the logit scale, x 100: worked outside the SQL (Python, the same formulas).
                (
                    "sii_transformed",
                    "ARRAY[0.30, 0.34, 0.37, 0.41, 0.45]::numeric[], ARRAY[1000, 1200, 900, 1100, 800]::numeric[], "
                        + "'proportion', 100",
                    [17.81523116172789, 1.6265246375516553, 28.43500493667189]
                ),
            ]
        )
        let error = try #require(throws: DatabaseError.self) {
            try c.query("SELECT * FROM stats.sii_transformed('{0.2,0.3,1.2,0.4,0.5}', '{1,1,1,1,1}', 'proportion')")
        }
        #expect(error.sqlState == "22023")
    }

    @Test("SII limits by simulation from SQL agree with the analytic variance of a linear estimator, seed by seed")
    func siiLimits() throws {
        let db = try Stats.database()
        let c = try db.connect()
        // SII is linear in the values, so its standard error is sqrt(sum c_i^2 se_i^2) with c_i = a_i (b_i - mean b)
        // / sum a_j (b_j - mean b)^2; here 7.7254 (worked outside the SQL), and normal draws give SII -/+ 1.96 x it.
        let z = 1.959963984540054
        let values = [120.0, 100, 95, 80, 70]
        let errors = [6.0, 5, 5, 4, 4]
        func array(_ xs: [Double]) -> String { "ARRAY[\(xs.map { "\($0)" }.joined(separator: ","))]::numeric[]" }
        let arguments = [
            array(values), array(zip(values, errors).map { $0 - z * $1 }),
            array(zip(values, errors).map { $0 + z * $1 }),
            array([90, 110, 100, 95, 105]),
        ].joined(separator: ", ")
        let sii = -58.85553470919321
        let standardError = 7.725410856573124
        let limits = try Stats.row(c, "SELECT * FROM stats.sii_limits(\(arguments), 100000)")
        let lower = try #require(limits[0])
        let upper = try #require(limits[1])
        #expect(abs(lower - (sii - z * standardError)) < 0.02 * standardError, "\(lower)")
        #expect(abs(upper - (sii + z * standardError)) < 0.02 * standardError, "\(upper)")
        #expect(try #require(limits[2]) < 0.5173 && 0.5173 < (try #require(limits[3])))  // RII 0.5173 inside its limits
        // The same seed gives the same limits; another seed others, as close.
        #expect(try Stats.row(c, "SELECT * FROM stats.sii_limits(\(arguments), 100000)") == limits)
        let other = try Stats.row(c, "SELECT * FROM stats.sii_limits(\(arguments), 100000, 0.95, 7)")
        #expect(other != limits && abs((other[0] ?? 0) - lower) < 0.03 * standardError)
        // A missing quantile: no limits.
        #expect(
            try Stats.row(
                c,
                "SELECT * FROM stats.sii_limits('{1,2,NULL,4,5}', '{0,1,2,3,4}', '{2,3,4,5,6}', '{1,1,1,1,1}')"
            )
                == [nil, nil, nil, nil]
        )
    }

    @Test("Byar's limits of a count, with PHE's NA for a negative lower limit")
    func byar() throws {
        let db = try Stats.database()
        let c = try db.connect()
        try Stats.check(
            c,
            [
                // PHEindicatormethods tests/testthat/testByars.R inputs.
                ("byar_ci", "65, 0.95", [50.16318771045943, 82.84913854593984]),
                ("byar_ci", "1045, 0.95", [982.5932018073325, 1110.33121298565]),
                ("byar_ci", "1, 0.95", [0.013072132901504331, 5.5637555824752605]),
                ("byar_ci", "65, 0.998", [42.8802614714802, 94.000290844318]),
                ("byar_ci", "1045, 0.998", [947.9407035610374, 1148.806160988033]),
                ("byar_ci", "10, 0.998", [2.916318374695686, 24.19372492788055]),
                ("byar_ci", "0, 0.95", [0.0, 3.6680118321737507]),  // lower 0 for x = 0
                ("byar_ci", "1, 0.999", [nil, 10.177411355156119]),  // the formula is negative: NULL, as PHE's NA
                ("byar_ci", "250000, 0.9", [249178.14210215604, 250823.99657116074]),
            ]
        )
        #expect(try c.query("SELECT stats.byar_ci(65) = stats.byar_ci(65, 0.95)").scalar == "t")
    }

    @Test("Exact Poisson limits match SciPy's chi-squared quantiles for x = 0 to 10^6 and confidence 0.8 to 0.999")
    func poissonExact() throws {
        let db = try Stats.database()
        let c = try db.connect()
        try Stats.check(
            c,
            [
                ("poisson_exact_ci", "0, 0.8", [0.0, 2.302585092994046]),
                ("poisson_exact_ci", "0, 0.95", [0.0, 3.6888794541139354]),
                ("poisson_exact_ci", "0, 0.999", [0.0, 7.600902459542081]),
                ("poisson_exact_ci", "1, 0.8", [0.10536051565782632, 3.889720169867429]),
                ("poisson_exact_ci", "1, 0.95", [0.025317807984289897, 5.571643390938898]),
                ("poisson_exact_ci", "1, 0.999", [0.0005001250416822987, 9.998677497623804]),
                ("poisson_exact_ci", "2, 0.8", [0.5318116083896118, 5.32232033783421]),
                ("poisson_exact_ci", "2, 0.95", [0.24220927854396507, 7.22468766772396]),
                ("poisson_exact_ci", "2, 0.999", [0.03196102225595887, 12.051399497491744]),
                ("poisson_exact_ci", "5, 0.8", [2.432591025962664, 9.274673893351626]),
                ("poisson_exact_ci", "5, 0.95", [1.623486390118421, 11.66833207932267]),
                ("poisson_exact_ci", "5, 0.999", [0.6324910403321943, 17.41063731823718]),
                ("poisson_exact_ci", "9, 0.8", [5.43246805825443, 14.205990292152817]),
                ("poisson_exact_ci", "9, 0.95", [4.115373097378334, 17.084803451419166]),
                ("poisson_exact_ci", "9, 0.999", [2.2196933541068278, 23.749225942735833]),
                ("poisson_exact_ci", "10, 0.8", [6.221304605225031, 15.406641171976515]),
                ("poisson_exact_ci", "10, 0.95", [4.7953886961324335, 18.39035604201778]),
                ("poisson_exact_ci", "10, 0.999", [2.6990331060328105, 25.25555937926597]),
                ("poisson_exact_ci", "50, 0.8", [41.17906790617857, 60.3394401473543]),
                ("poisson_exact_ci", "50, 0.95", [37.110963737461866, 65.91876666433681]),
                ("poisson_exact_ci", "50, 0.999", [29.94782899328214, 77.81469073108534]),
                ("poisson_exact_ci", "389, 0.8", [363.9476356480295, 415.5130713443013]),
                ("poisson_exact_ci", "389, 0.95", [351.29915984033056, 429.6444623767743]),
                ("poisson_exact_ci", "389, 0.999", [327.3574414425342, 458.27500104512114]),
                ("poisson_exact_ci", "1000, 0.8", [959.6939327288333, 1041.7545690776437]),
                ("poisson_exact_ci", "1000, 0.95", [938.9730184076952, 1063.952136016302]),
                ("poisson_exact_ci", "1000, 0.999", [899.2086831191871, 1108.3940211570052]),
                ("poisson_exact_ci", "12345, 0.8", [12202.825138523423, 12488.608877462242]),
                ("poisson_exact_ci", "12345, 0.95", [12128.18090789908, 12564.722206913333]),
                ("poisson_exact_ci", "12345, 0.999", [11982.668638512507, 12714.897797315136]),
                ("poisson_exact_ci", "100000, 0.8", [99594.95253927626, 100406.47773655412]),
                ("poisson_exact_ci", "100000, 0.95", [99381.15266374472, 100621.74473974388]),
                ("poisson_exact_ci", "100000, 0.999", [98962.71882665009, 101044.8380767309]),
                ("poisson_exact_ci", "1000000, 0.8", [998718.6627499802, 1001282.7661403967]),
                ("poisson_exact_ci", "1000000, 0.95", [998040.9833402939, 1001961.9119454322]),
                ("poisson_exact_ci", "1000000, 0.999", [996712.748773537, 1003294.8045814902]),
                ("poisson_exact_ci", "3.5, 0.9", [1.0836749546490287, 8.459488802310226]),
                ("poisson_exact_ci", "250, 0.998", [203.9734803729996, 302.8206055515258]),
                ("poisson_exact_ci", "777, 0.99", [707.0784527424794, 851.7238181278113]),
            ]
        )
    }

    @Test("Crude rates: exact limits below 10, Byar's from 10 (PHEindicatormethods phe_rate example)")
    func rates() throws {
        let db = try Stats.database()
        let c = try db.connect()
        try Stats.check(
            c,
            [
                // R/Rates.R @examples: obs and pop of Area1 to Area4, per 100 000 at 95%.
                ("rate_ci", "82, 100", [82000.0, 65214.911658096695, 101784.83940118895]),
                ("rate_ci", "9, 100", [9000.0, 4115.373097378334, 17084.803451419168]),
                ("rate_ci", "48, 10000", [479.99999999999994, 353.8847472053199, 636.4243860687616]),
                ("rate_ci", "6500, 10000", [65000.0, 63429.31732011339, 66599.7469635289]),
                ("rate_ci", "8200, 10000", [82000.0, 80234.66583069754, 83794.38519010397]),
                ("rate_ci", "10000, 10000", [100000.0, 98049.52310850305, 101979.51773636615]),
                ("rate_ci", "8, 10000", [80.0, 34.53832176748502, 157.63189220193314]),
                ("rate_ci", "7, 10000", [70.0, 28.143630515198673, 144.22675361702377]),
                ("rate_ci", "750, 10000", [7500.0, 6972.769086836789, 8056.528925119139]),
                ("rate_ci", "900, 10000", [9000.0, 8421.533386143903, 9607.73393422867]),
                ("rate_ci", "0, 5000", [0.0, 0.0, 73.77758908227871]),
                // Either side of the switch from exact to Byar's, per 1000 at 99.8%.
                ("rate_ci", "9, 1000, 1000, 0.998", [9.0, 2.452424404363775, 22.65737330906293]),
                ("rate_ci", "10, 1000, 1000, 0.998", [10.0, 2.916318374695686, 24.19372492788055]),
            ]
        )
    }

    @Test("Directly standardised rates: Dobson limits from Byar's limits of the total, NULL below a total of 10")
    func dsr() throws {
        let db = try Stats.database()
        let c = try db.connect()
        // PHEindicatormethods vignettes/DSR-vignette.Rmd, "Zero deaths for a specific age band" (pops2 and deaths2,
        // the missing age bands' deaths replaced by 0 as the vignette does), with the 2013 ESP.
        let deaths: [Double?] = [1, 1, 0, 0, 0, 1, 1, 3, 3, 3, 3, 10, 10, 10, 10, 8, 8, 8, 8]
        let pops: [Double?] = [30, 35, 35, 35, 40, 40, 45, 50, 50, 50, 60, 60, 70, 75, 70, 60, 20, 20, 15]
        let vignette = "\(Stats.array(deaths)), \(Stats.array(pops)), \(Stats.array(Stats.esp2013))"
        let counts = Stats.array([12, 25, 40])
        let populations = Stats.array([5000, 12000, 3000])
        let standard = Stats.array([5500, 12500, 3500])
        try Stats.check(
            c,
            [
                ("dsr", vignette, [8283.015873015873, 6570.818797803672, 10289.647638821614]),
                ("dsr", "\(vignette), 100000, 0.998", [8283.015873015873, 5709.72192610624, 11530.098867867348]),
                (
                    "dsr", "\(counts), \(populations), \(standard), 1000",
                    [3.995736434108527, 3.152187205423355, 4.995318696162299]
                ),
                // A NULL count is a zero count (PHE's na.zero); the total is exactly 10.
                (
                    "dsr", "\(Stats.array([4, nil, 6])), \(populations), \(standard)",
                    [53.02325581395348, 25.373278056642693, 97.53575736713603]
                ),
                // Total 9: not calculated.
                ("dsr", "\(Stats.array([4, 0, 5])), \(populations), \(standard)", [nil, nil, nil]),
                // A zero standard population is allowed (that stratum has no weight).
                (
                    "dsr", "\(Stats.array([10, 0, 0])), \(populations), \(Stats.array([5500, 0, 3500]))",
                    [122.22222222222221, 58.513276726270185, 224.7844940703569]
                ),
            ]
        )
        // Empty arrays: total 0, so NULLs rather than an error.
        #expect(try Stats.row(c, "SELECT * FROM stats.dsr('{}', '{}', '{}')") == [nil, nil, nil])
    }

    @Test("SII and RII: PHEindicatormethods phe_sii examples, PHE's sign convention, missing quantiles")
    func sii() throws {
        let db = try Stats.database()
        let c = try db.connect()
        // R/SII_function.R @examples, Area1 and Area2 (deciles); tests/testthat/DSR_testdata.csv, 2010 (quintiles).
        let area1Values: [Double?] = [75.9, 78.3, 83.8, 83.6, 80.5, 81.1, 81.7, 84.2, 80.6, 86.3]
        let area1Pops: [Double?] = [7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534]
        let area2Values: [Double?] = [70.5, 71.6, 72.5, 73.5, 73.1, 76.2, 78.7, 80.6, 80.9, 80]
        let area2Pops: [Double?] = [21675, 20065, 19750, 24713, 20112, 19618, 22408, 19752, 18939, 19312]
        let quintileValues: [Double?] = [150.2200205, 131.0221747, 127.4954973, 130.494241, 135.4664241]
        let quintilePops: [Double?] = [1_434_002, 1_450_590, 1_453_827, 1_440_980, 1_457_780]
        try Stats.check(
            c,
            [
                (
                    "sii", "\(Stats.array(area1Values)), \(Stats.array(area1Pops))",
                    [7.00023476007992, 1.0897097049119417]
                ),
                (
                    "sii", "\(Stats.array(area2Values)), \(Stats.array(area2Pops))",
                    [12.622738563631723, 1.1820343480014972]
                ),
                (
                    "sii", "\(Stats.array(quintileValues)), \(Stats.array(quintilePops))",
                    [-14.848682584798354, 0.8956757889879817]
                ),
                (
                    "sii", "\(Stats.array([-2, -1, 0, 1, 2])), \(Stats.array([1, 2, 3, 2, 1]))",
                    [4.105263157894738, -1.0]
                ),
            ]
        )
        // Worked by hand: five equal quintiles, values 5 (most deprived) down to 1. The mid-points are 0.1, 0.3, ...,
        // 0.9 and the values lie exactly on 5.5 - 5b, so SII = -5 (the least deprived end is 5 lower) and
        // RII = (5.5 - 5) / 5.5 = 1/11.
        let equal = Stats.array([100, 100, 100, 100, 100])
        let hand = try Stats.row(c, "SELECT * FROM stats.sii(\(Stats.array([5, 4, 3, 2, 1])), \(equal))")
        #expect(Stats.close(hand[0], -5) && Stats.close(hand[1], 1.0 / 11))
        // The arrays' own bounds do not matter, only the order of their elements.
        let rebased = try Stats.row(c, "SELECT * FROM stats.sii('[0:4]={5,4,3,2,1}', '[3:7]={7,7,7,7,7}')")
        #expect(Stats.close(rebased[0], -5) && Stats.close(rebased[1], 1.0 / 11))
        // A missing quantile gives NULL: a NULL value or population, a zero population, fewer than 5 quantiles.
        for arguments in [
            "\(Stats.array([5, 4, nil, 2, 1])), \(equal)",
            "\(Stats.array([5, 4, 3, 2, 1])), \(Stats.array([100, 100, nil, 100, 100]))",
            "\(Stats.array([5, 4, 3, 2, 1])), \(Stats.array([100, 100, 0, 100, 100]))",
            "\(Stats.array([5, 4, 3, 2])), \(Stats.array([100, 100, 100, 100]))",
            "'{}', '{}'",
        ] {
            #expect(try Stats.row(c, "SELECT * FROM stats.sii(\(arguments))") == [nil, nil], "\(arguments)")
        }
        // Built over the full list of quintiles, a quintile with no data becomes a NULL and the SII is NULL.
        let gap = try Stats.row(
            c,
            """
            SELECT s.* FROM (SELECT array_agg(d.v ORDER BY q) AS v, array_agg(d.n ORDER BY q) AS n
                             FROM generate_series(1, 5) AS q
                             LEFT JOIN (VALUES (1, 5.0, 100.0), (2, 4.0, 100.0), (4, 2.0, 100.0), (5, 1.0, 100.0))
                                  AS d(quintile, v, n) ON d.quintile = q) a,
                 stats.sii(a.v, a.n) s
            """
        )
        #expect(gap == [nil, nil])
    }

    @Test("A NULL argument gives NULL results, also for an argument that has a default")
    func nullArguments() throws {
        let db = try Stats.database()
        let c = try db.connect()
        for (sql, columns) in [
            ("stats.wilson_ci(NULL, 10)", 2), ("stats.wilson_ci(1, NULL)", 2), ("stats.wilson_ci(1, 10, NULL)", 2),
            ("stats.byar_ci(NULL)", 2), ("stats.byar_ci(5, NULL)", 2),
            ("stats.poisson_exact_ci(NULL)", 2), ("stats.poisson_exact_ci(5, NULL)", 2),
            ("stats.rate_ci(NULL, 100)", 3), ("stats.rate_ci(5, NULL)", 3), ("stats.rate_ci(5, 100, NULL)", 3),
            ("stats.rate_ci(5, 100, 1000, NULL)", 3),
            ("stats.dsr(NULL, '{1}', '{1}')", 3), ("stats.dsr('{10}', '{1}', '{1}', NULL)", 3),
            ("stats.dsr('{10}', '{1}', '{1}', 1000, NULL)", 3),
            ("stats.sii(NULL, '{1,1,1,1,1}')", 2), ("stats.sii('{1,2,3,4,5}', NULL)", 2),
        ] {
            #expect(
                try Stats.row(c, "SELECT * FROM \(sql)") == [Double?](repeating: nil, count: columns),
                "\(sql)"
            )
        }
    }

    @Test("Invalid arguments raise SQLSTATE 22023 naming the function and the argument")
    func invalidArguments() throws {
        let db = try Stats.database()
        let c = try db.connect()
        for (sql, message) in [
            ("stats.wilson_ci(-1, 10)", "stats.wilson_ci: x must not be negative"),
            ("stats.wilson_ci(1, 0)", "stats.wilson_ci: n must be greater than zero"),
            ("stats.wilson_ci(1, -10)", "stats.wilson_ci: n must be greater than zero"),
            ("stats.wilson_ci(11, 10)", "stats.wilson_ci: x must not be greater than n"),
            ("stats.wilson_ci(1, 10, 95)", "stats.wilson_ci: confidence must be greater than 0 and at most 1"),
            ("stats.wilson_ci(1, 10, 0)", "stats.wilson_ci: confidence must be greater than 0 and at most 1"),
            ("stats.byar_ci(-0.5)", "stats.byar_ci: x must not be negative"),
            ("stats.byar_ci(5, -0.95)", "stats.byar_ci: confidence must be strictly between 0 and 1"),
            ("stats.poisson_exact_ci(-3)", "stats.poisson_exact_ci: x must not be negative"),
            ("stats.poisson_exact_ci(3, 1.5)", "stats.poisson_exact_ci: confidence must be strictly between 0 and 1"),
            ("stats.rate_ci(-1, 100)", "stats.rate_ci: x must not be negative"),
            ("stats.rate_ci(1, 0)", "stats.rate_ci: denominator must be greater than zero"),
            ("stats.rate_ci(1, -100)", "stats.rate_ci: denominator must be greater than zero"),
            ("stats.rate_ci(1, 100, 0)", "stats.rate_ci: multiplier must be greater than zero"),
            ("stats.rate_ci(1, 100, 1000, 1)", "stats.rate_ci: confidence must be strictly between 0 and 1"),
            (
                "stats.dsr('{10,20}', '{100,200,300}', '{1,1}')",
                "stats.dsr: counts, populations and standard must have the same number of elements"
            ),
            (
                "stats.dsr('{10,20}', '{100,200}', '{1}')",
                "stats.dsr: counts, populations and standard must have the same number of elements"
            ),
            (
                "stats.dsr('{{10,20}}', '{{100,200}}', '{{1,1}}')",
                "stats.dsr: counts, populations and standard must be one-dimensional arrays"
            ),
            ("stats.dsr('{10,-1}', '{100,200}', '{1,1}')", "stats.dsr: counts must not be negative"),
            (
                "stats.dsr('{10,20}', '{100,0}', '{1,1}')",
                "stats.dsr: populations must all be present and greater than zero"
            ),
            (
                "stats.dsr('{10,20}', '{100,-5}', '{1,1}')",
                "stats.dsr: populations must all be present and greater than zero"
            ),
            (
                "stats.dsr('{10,20}', '{100,NULL}', '{1,1}')",
                "stats.dsr: populations must all be present and greater than zero"
            ),
            (
                "stats.dsr('{10,20}', '{100,200}', '{1,-1}')",
                "stats.dsr: standard populations must all be present and not negative"
            ),
            (
                "stats.dsr('{10,20}', '{100,200}', '{0,0}')",
                "stats.dsr: standard populations must not all be zero"
            ),
            ("stats.dsr('{10,20}', '{100,200}', '{1,1}', -1)", "stats.dsr: multiplier must be greater than zero"),
            (
                "stats.dsr('{10,20}', '{100,200}', '{1,1}', 1000, 0)",
                "stats.dsr: confidence must be strictly between 0 and 1"
            ),
            (
                "stats.sii('{1,2,3,4,5}', '{1,1,1,1}')",
                "stats.sii: vals and populations must have the same number of elements"
            ),
            ("stats.sii('{1,2,3,4,5}', '{1,1,-1,1,1}')", "stats.sii: populations must not be negative"),
            (
                "stats.sii('{{1,2,3,4,5}}', '{{1,1,1,1,1}}')",
                "stats.sii: vals and populations must be one-dimensional arrays"
            ),
            (
                "stats.sii(array_fill(1::numeric, ARRAY[101]), array_fill(1::numeric, ARRAY[101]))",
                "stats.sii: at most 100 quantiles"
            ),
        ] {
            let error = try #require(throws: DatabaseError.self, "\(sql)") {
                try c.query("SELECT * FROM \(sql)")
            }
            #expect(error.sqlState == "22023", "\(sql)")
            #expect(error.serverMessage?.contains(message) == true, "\(sql): \(error.debugDescription)")
        }
    }
}
