import WeiminCore

// Any text a villager might type: parse must return or give up, never trap, and what it returns must hold together.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: bytes(data, size), as: UTF8.self)
    guard let answer = SatisfactionReply.parse(text) else { return 0 }
    check(SatisfactionReply.parse(text) == answer, "two reads of the same text disagree")
    if let n = answer.caseNumber {
        // The number the reply names must be one the system can print and read back.
        check(CaseNumber(n.description) == n, "case number \(n) does not read back from its own text")
        check((2000...9999).contains(n.year) && (1...999_999).contains(n.sequence), "case number \(n) out of range")
    }
    check(answer.remark.first?.isWhitespace != true && answer.remark.last?.isWhitespace != true,
          "remark not trimmed: \(answer.remark.debugDescription)")
    return 0
}
