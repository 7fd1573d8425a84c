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

    @Test("private matters: the substance to the villager alone, or kept out of the group; reasons for suspension and extension")
    func privateMatters() {
        let reply = CaseCommand.resolve(reply: "因子女收入超标停发")
        let direct = CaseReplyPlan.group(for: reply, department: "县民政局", deadline: "", privacy: .direct)
        #expect(direct.replies.map(\.kind) == [.privateAnswer, .progress, .satisfaction] && direct.asksSatisfaction)
        #expect(direct.replies[0].toVillager && direct.replies[0].values["note"]?.contains("收入超标") == true)
        #expect(direct.replies.filter { !$0.toVillager }.allSatisfy { !($0.values["note"] ?? "").contains("收入超标") })
        let withheld = CaseReplyPlan.group(for: reply, department: "县民政局", deadline: "", privacy: .withheld)
        #expect(withheld.replies.allSatisfy { !$0.toVillager && !($0.values["note"] ?? "").contains("收入超标") })
        #expect(withheld.replies[0].values["note"]?.contains("村委会") == true)

        let suspend = CaseReplyPlan.group(for: .suspend(reason: "等待提供收入证明"), department: "x", deadline: "y")
        #expect(suspend.replies.count == 1 && suspend.replies[0].values["note"] == "暂缓办理（计时暂停）。原因：等待提供收入证明")
        let extended = CaseReplyPlan.group(
            for: .decideExtension(approve: true, villagerNotified: true, note: ""), department: "x", deadline: "12月9日 17:30",
            extensionReason: "需要现场测量")
        #expect(extended.replies[0].values["note"] == "办理期限已延长至 12月9日 17:30。理由：需要现场测量")
        // A petition's acceptance notice reaches the petitioner: privately when the bridge can, else in the group with @.
        let notice = CaseCommand.notifyAcceptance(note: "您的信访事项已受理，60日内答复")
        let bridged = CaseReplyPlan.group(for: notice, department: "x", deadline: "y", canWriteToVillager: true)
        #expect(bridged.replies.map(\.toVillager) == [true, false])
        let inGroup = CaseReplyPlan.group(for: notice, department: "x", deadline: "y")
        #expect(
            inGroup.replies.count == 1 && inGroup.replies[0].mentionVillager && inGroup.replies[0].values["note"]?.hasPrefix("受理告知") == true
        )

        #expect(PrivateMatters.defaults.covers(title: "低保停了", summary: ""))
        #expect(!PrivateMatters.defaults.covers(title: "水稻病虫害", summary: "稻飞虱"))
        #expect(!PrivateMatters(mode: .inGroup, words: ["低保"]).covers(title: "低保停了", summary: ""))
    }

    @Test("a 舆情 case never quotes the rumour, @-mentions or thanks its spreader, or asks for a rating; a 辟谣 goes to the group")
    func opinion() {
        let receipt = CaseReplyPlan.group(for: .accept(note: ""), department: "县委网信办", deadline: "x", opinion: true)
        #expect(receipt.replies.map(\.kind) == [.opinionReceipt] && !receipt.replies[0].mentionVillager)
        let resolved = CaseReplyPlan.group(for: .resolve(reply: "经核实，化工厂未发生泄漏"), department: "x", deadline: "y", opinion: true)
        #expect(!resolved.asksSatisfaction && resolved.replies.allSatisfy { !$0.mentionVillager && $0.kind != .satisfaction })
        let rebuttal = CaseReplyPlan.group(for: .publishRebuttal(text: "经县生态环境局检测，水质达标"), department: "x", deadline: "y", opinion: true)
        #expect(rebuttal.replies.map(\.kind) == [.rebuttal] && rebuttal.replies[0].values["note"] == "经县生态环境局检测，水质达标")
        let text = MessageTemplates.defaults.render(.opinionReceipt, ["case_number": "433125-2026-000009", "department": "县委网信办"])
        #expect(text.contains("不信谣") && !text.contains("@"))
    }
}
