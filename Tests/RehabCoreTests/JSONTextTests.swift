import RehabCore
import Testing

@Suite("JSON text")
struct JSONTextTests {
    @Test("Appending bytes gives exactly the literal string(_:) makes of them, escapes and repairs included")
    func appendMatchesString() {
        let samples: [[UInt8]] = [
            [], Array("R1D-R19345262".utf8), Array("say \"hi\"".utf8), Array("back\\slash".utf8),
            Array("tab\there\nline\rcr".utf8), [0x01, 0x1F, 0x20, 0x7E, 0x7F], Array("Zoë, São Paulo".utf8),
            Array("sep\u{2028}par\u{2029}".utf8), [0x41, 0xFF, 0x42, 0xC3], Array("=1+2".utf8),
        ]
        for sample in samples {
            var appended: [UInt8] = [0x2C]
            JSONText.append(sample.span, to: &appended)
            let expected = [0x2C] + Array(JSONText.string(String(decoding: sample, as: UTF8.self)).utf8)
            #expect(appended == expected, "\(sample)")
        }
        var fromString: [UInt8] = []
        JSONText.append("a\"b", to: &fromString)
        #expect(String(decoding: fromString, as: UTF8.self) == #""a\"b""#)
    }
}
