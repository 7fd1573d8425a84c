import WeiminCore

/// Hand-written messages as villagers post them in the groups. Each demand becomes a case in the demo;
/// chatter is stored but needs nothing.
struct DemoDemand {
    let text: String
    let followUp: String?
    let category: Category
    let department: String
    let urgency: Urgency
    let risk: Int
    let sealed: Bool
    let title: String

    init(
        _ text: String, followUp: String? = nil, _ category: Category, _ department: String, _ title: String,
        urgency: Urgency = .normal, risk: Int = 0, sealed: Bool = false
    ) {
        self.text = text
        self.followUp = followUp
        self.category = category
        self.department = department
        self.urgency = urgency
        self.risk = risk
        self.sealed = sealed
        self.title = title
    }
}

enum DemoMessages {
    static let demands: [DemoDemand] = [
        DemoDemand("组上那段通村路又垮了一截，车子过不去，早上送娃娃读书都要绕一大圈", followUp: "还没人来看，下雨天更危险了", .service, "jtj", "通村公路塌方"),
        DemoDemand("我们这几户停水三天了，水管是不是冻爆了？老人家挑水挑不动", .service, "slj", "三户停水三天"),
        DemoDemand("五组龙大爷家的房子墙上裂了好宽的缝，昨晚下雨漏得厉害，住着怕出事", .service, "zjj", "老人住房开裂漏雨", urgency: .urgent),
        DemoDemand("请问今年的耕地地力补贴什么时候发？隔壁村都到账了我们还没有", .publicity, "nyncj", "耕地地力补贴发放时间"),
        DemoDemand("我妈的养老金这个月少了几十块，是什么原因啊，谁能帮忙查一下", .service, "rsj", "养老金少发"),
        DemoDemand("新农合今年交多少钱？在哪里交，手机上能交不", .publicity, "ybj", "医保缴费咨询"),
        DemoDemand("河边又有人倒垃圾了，臭得很，夏天苍蝇到处飞，能不能安排清一下", .service, "sthj", "河边垃圾堆积"),
        DemoDemand("村里去年修路的钱到底用了多少，账目一直没公开，大家都想看看", .disclosure, "zzb", "修路资金账目公开"),
        DemoDemand("救命！后山起火了，风大烧得快，快来人", .opinion, "gaj", "后山山火", urgency: .urgent, risk: 2),
        DemoDemand("我家孩子考上大学了，听说有助学金，要准备哪些材料", .publicity, "jyj", "大学新生助学金咨询"),
        DemoDemand("低保评的不公平，有小车有楼房的都吃上低保了，真正困难的评不上", .petition, "mzj", "低保评定不公", risk: 1),
        DemoDemand("隔壁的把围墙砌到我家地里来了，说了几次不听，今天差点打起来", followUp: "村里能不能来个人调解一下", .petition, "xfj", "宅基地界址纠纷", risk: 1),
        DemoDemand("有人在群里说水库要放水淹田，是真的吗？好多人都在传", .opinion, "wxb", "水库放水谣言", risk: 2),
        DemoDemand("村主任把救灾的物资拿回自己亲戚家了，好多人都看见的", .petition, "jwjw", "救灾物资被优亲厚友", risk: 1, sealed: true),
        DemoDemand("反映一下，村会计收了我们的危房改造钱才给报名，一户五百", .petition, "jwjw", "危改报名收费", sealed: true),
        DemoDemand("路灯坏了半个月了，晚上黑漆漆的，老人走路摔了一跤", .service, "zjj", "路灯损坏"),
        DemoDemand("小卖部卖过期的牛奶给小孩，喝了拉肚子", .service, "scjg", "小卖部销售过期食品"),
        DemoDemand("我们组的自来水浑得很，黄黄的，能喝吗", .service, "slj", "自来水浑浊"),
        DemoDemand("这个月防返贫的监测户名单出来没有，我家去年大病花了好多钱", .service, "xczxj", "防返贫监测申请"),
        DemoDemand("村卫生室好几天没开门了，老人量血压拿药都没地方", .service, "wjj", "村卫生室不开门"),
        DemoDemand("有个陌生电话说是医保局的，要我转钱激活医保卡，是不是骗子", .opinion, "gaj", "疑似医保诈骗电话", urgency: .urgent, risk: 1),
        DemoDemand("桥上的栏杆断了一截，学生天天从那里过，太危险了", .service, "jtj", "桥梁护栏断裂", urgency: .urgent),
        DemoDemand("村里办酒席的太多了，一个月随礼好几百，能不能管一管", .publicity, "wmb", "整治滥办酒席"),
        DemoDemand("新修的水渠漏水，田里放不进水，秧苗都快干死了", .service, "slj", "水渠漏水影响灌溉"),
        DemoDemand("党务公开栏好久没更新了，党费收缴情况也没贴出来", .disclosure, "zzb", "党务公开栏未更新"),
        DemoDemand("听说要征地修高速，补偿标准是多少？什么时候公示", .disclosure, "zrzyj", "征地补偿标准公示"),
        DemoDemand("有人喊明天去乡政府门口讨说法，说补偿款被扣了", .opinion, "wxb", "群众拟聚集讨要补偿款", risk: 3),
        DemoDemand("张家寨那边两家为了放牛打架了，头都打破了", .opinion, "gaj", "村民斗殴受伤", urgency: .urgent, risk: 2),
        DemoDemand("我的社保卡丢了，补办要去哪里，要带什么", .publicity, "rsj", "社保卡补办咨询"),
        DemoDemand("去年的种粮补贴我没领到，名单上没有我的名字", .service, "nyncj", "种粮补贴未领到"),
        DemoDemand("我家老人瘫痪在床，能不能申请残疾人补贴", .service, "mzj", "残疾人补贴申请"),
        DemoDemand("学校门口的路没有减速带，车开得飞快，娃娃过马路吓死人", .service, "jtj", "校门口缺减速带"),
        DemoDemand("养猪场的粪水直接排到溪里，下游都不能洗菜了", .service, "sthj", "养殖场污水直排"),
        DemoDemand("村里帮扶干部说好的产业资金一直没兑现，问了几次都说等", .petition, "xczxj", "产业帮扶资金未兑现", risk: 1),
        DemoDemand("小孩不见了！穿红衣服，七岁，下午在村口玩的，大家帮忙找一下", .opinion, "gaj", "儿童走失", urgency: .urgent, risk: 2),
        DemoDemand("村支书在低保评审的时候把自己弟弟评进去了，大家敢怒不敢言", .petition, "jwjw", "村支书亲属违规享受低保", risk: 1, sealed: true),
        DemoDemand("这次的财务公示只贴了总数，没有明细，看不懂", .disclosure, "zzb", "财务公示无明细"),
        DemoDemand("电线杆歪了，电线吊得很低，下雨天怕漏电", .service, "zjj", "电线杆倾斜", urgency: .urgent),
        DemoDemand("今年的合作医疗报销比例是多少？住县医院能报多少", .publicity, "ybj", "医保报销比例咨询"),
        DemoDemand("山上那块地被人偷偷挖了沙，好大一个坑，下雨要垮", .service, "zrzyj", "非法采砂"),
        DemoDemand("我儿子在外面打工被老板欠了三个月工资，能找谁帮忙", .service, "rsj", "外出务工欠薪"),
        DemoDemand("通组路硬化说了两年了，到底还修不修", followUp: "我家也是，下雨全是泥巴", .service, "jtj", "通组路硬化进度"),
        DemoDemand("晚上有人在祠堂那边赌钱，吵得很，还有外村人", .opinion, "gaj", "聚众赌博", risk: 1),
        DemoDemand("有人发抖音说我们村的扶贫项目是假的，还说要找记者", .opinion, "wxb", "网络舆情：扶贫项目被质疑", risk: 2),
        DemoDemand("我家的猪得病死了好几头，有没有人来看一下，会不会传染", .service, "nyncj", "生猪疫病"),
        DemoDemand("村里的公厕好久没人打扫了", .service, "zjj", "公厕无人保洁"),
        DemoDemand("危房改造的钱批下来了没有？去年报的名", .service, "zjj", "危改资金进度"),
        DemoDemand("我想问一下高龄补贴怎么申请，我爷爷八十五了", .publicity, "mzj", "高龄补贴申请咨询"),
    ]

    /// What most of a group's traffic is: greetings, thanks, chit-chat, the odd advert.
    static let chatter: [String] = [
        "大家早上好", "收到", "好的，谢谢书记", "👍👍👍", "今天天气好，可以晒谷子了", "晚上吃了没", "哈哈哈哈",
        "谢谢政府，路修好了走起来舒服多了", "收到，明天准时参加", "恭喜恭喜", "[表情]", "有没有人去县城，搭个车",
        "明天赶场不", "我家的橘子熟了，要的私聊", "好的", "支持！", "辛苦了", "已转发", "好", "知道了",
        "今晚村部放电影，大家来看", "感谢帮扶干部的关心", "收到，谢谢提醒", "🙏", "谁家狗跑丢了，黄色的",
        "卖蜂蜜，纯正土蜂蜜，需要的联系", "明天下雨，大家注意", "已经缴了", "好的，知道了", "点赞",
    ]

    /// Replies a handler gives when resolving, by category.
    static func reply(for c: Category) -> String {
        switch c {
        case .publicity: return "已在群里解答政策，详见回复。"
        case .disclosure: return "已按要求在公开栏和群内公示明细。"
        case .service: return "已派人现场处理完毕，请群众查看。"
        case .petition: return "已调查核实并依规处理，结果已告知当事人。"
        case .opinion: return "已现场处置，情况平稳，持续关注。"
        case .none: return "已处理。"
        }
    }

    static let surnames = ["彭", "田", "向", "龙", "石", "吴", "杨", "张", "王", "李", "梁", "符", "覃", "麻", "贾"]
    static let givenNames = ["德胜", "秀英", "光明", "桂花", "永清", "春燕", "建华", "玉兰", "志强", "小红", "大山", "金凤", "国平", "满妹", "老三"]
}

/// The demo's hand-written group messages, for benchmarks that want realistic Chinese text.
public enum DemoCorpus {
    public static var texts: [String] {
        DemoMessages.demands.flatMap { [$0.text] + ($0.followUp.map { [$0] } ?? []) } + DemoMessages.chatter
    }
}
