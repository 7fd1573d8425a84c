import Foundation

/// A stored group message that triage has not decided yet, as the triage pass reads it: the stage between
/// "stored" (ingestion) and "decided" (a `TriageDecision`, perhaps a case).
public struct UntriagedMessage: Sendable, Equatable {
    public var id: Int
    public var groupID: UUID
    public var county: String
    public var village: String
    public var senderID: String
    public var senderName: String
    public var text: String
    public var sentAt: Date
    public var quoteOf: Int?
    /// The message kind as stored (`text`, `image`, …).
    public var kind: MessageKind
    /// Already sealed (a report about a cadre moved into a sealed case): never read again.
    public var sealed: Bool
    /// Already in a case (threaded by hand or by an earlier pass): decided again, never threaded twice.
    public var inCase: Bool
    /// Weimin's own words come back through a bridge (`OutboundEcho`): never read as a villager's.
    public var echo: Bool
    /// When Weimin stored it (for the stored → decided lag); nil where unknown.
    public var receivedAt: Date?
    /// Words a machine read from the message's picture (OCR) or heard in its voice note (speech recognition): then `text`
    /// holds them, and this says what they came from.
    public var machineRead: MachineRead?

    public enum MachineRead: String, Sendable, Equatable {
        case photo
        case voice

        /// How a case's summary marks words nobody typed: a cadre must know a machine read them (and may have misread).
        public var label: String { self == .photo ? "【图片中的文字，机器识别】" : "【语音转写，机器识别】" }
    }

    public init(
        id: Int, groupID: UUID, county: String, village: String, senderID: String, senderName: String, text: String, sentAt: Date,
        quoteOf: Int?, kind: MessageKind, sealed: Bool, inCase: Bool, echo: Bool = false,
        receivedAt: Date? = nil
    ) {
        self.echo = echo
        self.receivedAt = receivedAt
        self.id = id
        self.groupID = groupID
        self.county = county
        self.village = village
        self.senderID = senderID
        self.senderName = senderName
        self.text = text
        self.sentAt = sentAt
        self.quoteOf = quoteOf
        self.kind = kind
        self.sealed = sealed
        self.inCase = inCase
    }

    /// Triage reads text, and the words read from a picture; never a sealed message, and never Weimin's own.
    public var isTriageable: Bool { (kind == .text || machineRead != nil) && !sealed && !echo }

    /// What a case opened from it says it was: the words, marked when a machine read them.
    public var summary: String { machineRead.map { $0.label + text } ?? text }
}
