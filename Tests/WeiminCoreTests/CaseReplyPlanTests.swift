import Foundation
import Testing
@testable import WeiminCore

@Suite("What the group hears after a case change (CaseReplyPlan)")
struct CaseReplyPlanTests {
    @Test("acceptance sends the receipt to the villager; dispatch tells the group who handles it and by when, without @")
    func acceptAndDispatch() {
        let accept = CaseReplyPlan.group(for: .accept(note: ""), department: "县受理中心", deadline: "12月3日 17:30")
        #expect(accept.replies.map(\.kind) == [.receipt] && accept.replies[0].mentionVillager && !accept.asksSatisfaction)
        let dispatch = CaseReplyPlan.group(
            for: .dispatch(lead: UUID(), coHandlers: [], note: ""), department: "县交通运输局", deadline: "12月3日 17:30")
        #expect(dispatch.replies.count == 1 && dispatch.replies[0].kind == .progress && !dispatch.replies[0].mentionVillager)
        #expect(dispatch.replies[0].values["note"] == "已转交县交通运输局办理，将于 12月3日 17:30 前答复。")
    }

    @Test("resolution answers and asks for satisfaction; a refused extension and internal steps say nothing")
    func resolveAndSilence() {
        let resolve = CaseReplyPlan.group(for: .resolve(reply: "已修好"), department: "县水利局", deadline: "")
        #expect(resolve.replies.map(\.kind) == [.resolution, .satisfaction] && resolve.asksSatisfaction)
        #expect(resolve.replies.allSatisfy { $0.values["reply"] == "已修好" && $0.mentionVillager })
        #expect(
            CaseReplyPlan.group(for: .decideExtension(approve: false, villagerNotified: false, note: "不批"), department: "x", deadline: "y")
                == .none)
        #expect(CaseReplyPlan.group(for: .start(note: ""), department: "x", deadline: "y") == .none)
        #expect(CaseReplyPlan.privateStage(for: .accept(note: "")) == "受理" && CaseReplyPlan.privateStage(for: .start(note: "")) == nil)
    }

    @Test("deadlines are spoken in Beijing time")
    func spoken() {
        #expect(CaseReplyPlan.spoken(Date(timeIntervalSince1970: 1_764_754_200)) == "12月3日 17:30")
        #expect(CaseReplyPlan.spoken(nil) == "规定期限")
    }
}
