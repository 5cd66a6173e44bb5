import Foundation
import RehabCore
import Testing

@Suite("Background work")
struct BackgroundTests {
    @Test("The value comes back to the caller, however many times it asks, and runs on another thread")
    func value() throws {
        let caller = ObjectIdentifier(Thread.current)
        let work = Background { () -> (Int, Bool) in
            Thread.sleep(forTimeInterval: 0.05)
            return (42, ObjectIdentifier(Thread.current) != caller)
        }
        let first = try work.value()
        #expect(first.0 == 42)
        #expect(first.1)
        #expect(try work.value().0 == 42)
    }

    @Test("An error thrown by the work is thrown to the caller")
    func error() {
        struct Failed: Error {}
        let work = Background { () throws -> Int in throw Failed() }
        #expect(throws: Failed.self) { try work.value() }
        #expect(throws: Failed.self) { try work.value() }
    }
}
