import WeiminCore

/// The demo county: 保靖县 (433125) in 湘西州 (433100), 湖南省. Township and village codes below the
/// county are illustrative (the real ones are assigned by the statistics bureau); names are real
/// townships, villages are representative, 大白岩村 is in 长潭河乡 as in life.
enum DemoCatalogue {
    static let province = ("430000", "湖南省")
    static let prefecture = ("433100", "湘西土家族苗族自治州")
    static let county = ("433125", "保靖县")

    /// (township name, [village names]); codes are assigned in this order.
    static let townships: [(String, [String])] = [
        ("迁陵镇", ["陇木村", "和平村", "新民村"]),
        ("水田河镇", ["水田村", "洞头村", "大岩村"]),
        ("葫芦镇", ["葫芦村", "国茶村", "黄金村"]),
        ("毛沟镇", ["毛沟村", "卧当村", "中坝村"]),
        ("普戎镇", ["普戎村", "夯吉村", "鲁家村"]),
        ("比耳镇", ["比耳村", "夯沙村", "梅花村"]),
        ("清水坪镇", ["清水坪村", "魏家寨村", "马王村"]),
        ("复兴镇", ["复兴村", "亨章村", "岩门村"]),
        ("碗米坡镇", ["碗米坡村", "沙湾村", "拔茅村"]),
        ("吕洞山镇", ["吕洞村", "夯相村", "金落村"]),
        ("阳朝乡", ["阳朝村", "新印村", "白合村"]),
        ("长潭河乡", ["大白岩村", "长潭村", "涂乍村"]),
    ]

    static func townshipCode(_ index: Int) -> String { "433125\(100 + index)" }
    static func villageCode(township index: Int, village v: Int) -> String { "\(townshipCode(index))\(201 + v)" }

    /// The leading group's members and the service departments (docs/domain.md §1.2).
    static let departments: [(code: String, name: String)] = [
        ("zzb", "县委组织部"), ("jwjw", "县纪委监委"), ("wxb", "县委网信办"), ("wmb", "县文明办"),
        ("nyncj", "县农业农村局"), ("xczxj", "县乡村振兴局"), ("gaj", "县公安局"), ("xfj", "县信访局"),
        ("zjj", "县住房和城乡建设局"), ("jtj", "县交通运输局"), ("jyj", "县教育局"), ("rsj", "县人力资源和社会保障局"),
        ("wjj", "县卫生健康局"), ("sthj", "州生态环境局保靖分局"), ("scjg", "县市场监督管理局"), ("mzj", "县民政局"),
        ("slj", "县水利局"), ("zrzyj", "县自然资源局"), ("ybj", "县医疗保障局"),
    ]

    /// 派单目录: matter → category, department, keywords.
    static let catalogue: [(Category, String, String, [String])] = [
        (.service, "农村公路损毁、塌方", "jtj", ["路", "塌方", "桥", "坑"]),
        (.service, "农村饮水、自来水停水", "slj", ["停水", "自来水", "水管", "饮水"]),
        (.service, "危房改造、农房安全", "zjj", ["危房", "房子", "裂缝"]),
        (.service, "低保、特困、临时救助", "mzj", ["低保", "救助", "五保", "特困"]),
        (.service, "养老保险、社保卡", "rsj", ["养老金", "社保", "社保卡"]),
        (.service, "医保缴费、报销", "ybj", ["医保", "报销", "住院"]),
        (.service, "学生资助、入学", "jyj", ["学校", "上学", "助学金", "读书"]),
        (.service, "耕地地力补贴、农业补贴", "nyncj", ["补贴", "种粮", "耕地"]),
        (.service, "防返贫监测、帮扶", "xczxj", ["返贫", "帮扶", "脱贫"]),
        (.service, "乡村医生、疫苗", "wjj", ["卫生室", "疫苗", "医生"]),
        (.service, "环境污染、垃圾清运", "sthj", ["污染", "垃圾", "臭", "排污"]),
        (.service, "食品安全、假货", "scjg", ["假货", "过期", "食品"]),
        (.petition, "邻里纠纷、土地纠纷", "xfj", ["纠纷", "吵架", "占地", "地界"]),
        (.petition, "干部作风、违纪违法问题线索", "jwjw", ["贪", "优亲厚友", "吃拿卡要", "村干部"]),
        (.opinion, "聚集、谣言、网络舆情", "wxb", ["谣言", "聚集", "媒体", "曝光"]),
        (.opinion, "治安、打架斗殴", "gaj", ["打架", "偷", "诈骗", "赌博"]),
        (.publicity, "政策咨询、宣传解释", "zzb", ["政策", "怎么办", "咨询"]),
        (.publicity, "移风易俗、文明实践", "wmb", ["酒席", "文明", "红白喜事"]),
        (.disclosure, "村务、财务公开", "zzb", ["公开", "账目", "公示"]),
    ]

    static let password = "weimin-demo-2026"

    /// One account for every role; the README lists these.
    static let users: [(username: String, name: String, role: Role, region: String, department: String?)] = [
        ("shouli", "张敏（县受理中心）", .intakeOperator, "433125", nil),
        ("zhujian", "李强（县住建局）", .departmentHandler, "433125", "zjj"),
        ("jiaotong", "王芳（县交通运输局）", .departmentHandler, "433125", "jtj"),
        ("shuili", "向东（县水利局）", .departmentHandler, "433125", "slj"),
        ("changtanhe", "彭涛（长潭河乡）", .townshipCadre, "433125111", nil),
        ("dabaiyan", "田德明（大白岩村支书）", .villageAdmin, "433125111201", nil),
        ("duban", "龙燕（县督查室）", .supervisor, "433125", nil),
        ("jijian", "石磊（县纪委监委）", .discipline, "433125", nil),
        ("lingdao", "吴建国（县领导）", .leader, "433125", nil),
        ("admin", "系统管理员", .admin, "433125", nil),
    ]
}
