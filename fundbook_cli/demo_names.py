"""The names of the Wuhou demo district: streets, communities, departments, enterprises.

Static data only; `fundbook_cli.demo_district` turns it into organizations and
funds. Street names are Wuhou's thirteen real streets (街道); community names
follow the local naming (roads, old villages, landmarks).
"""

from __future__ import annotations

# (name_zh, English name, ((community name_zh, English name), ...))
STREETS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "浆洗街街道",
        "Jiangxijie Subdistrict",
        (
            ("锦里社区", "Jinli"),
            ("洗面桥社区", "Ximianqiao"),
            ("蜀汉社区", "Shuhan"),
            ("浆洗街社区", "Jiangxijie"),
        ),
    ),
    (
        "望江路街道",
        "Wangjianglu Subdistrict",
        (
            ("望江楼社区", "Wangjianglou"),
            ("共和社区", "Gonghe"),
            ("锦官驿社区", "Jinguanyi"),
            ("磨子桥社区", "Moziqiao"),
        ),
    ),
    (
        "玉林街道",
        "Yulin Subdistrict",
        (
            ("玉林北路社区", "Yulin North Road"),
            ("黉门街社区", "Hongmenjie"),
            ("倪家桥社区", "Nijiaqiao"),
            ("玉林东路社区", "Yulin East Road"),
        ),
    ),
    (
        "簇桥街道",
        "Cuqiao Subdistrict",
        (
            ("簇桥社区", "Cuqiao"),
            ("七里社区", "Qili"),
            ("锦城社区", "Jincheng"),
            ("高碑社区", "Gaobei"),
        ),
    ),
    (
        "机投桥街道",
        "Jitouqiao Subdistrict",
        (
            ("机投社区", "Jitou"),
            ("白佛社区", "Baifo"),
            ("潮音社区", "Chaoyin"),
            ("金雁社区", "Jinyan"),
        ),
    ),
    (
        "红牌楼街道",
        "Hongpailou Subdistrict",
        (
            ("红牌楼社区", "Hongpailou"),
            ("佳灵社区", "Jialing"),
            ("广福桥社区", "Guangfuqiao"),
            ("太平寺社区", "Taipingsi"),
        ),
    ),
    (
        "火车南站街道",
        "Huochenanzhan Subdistrict",
        (
            ("桐梓林社区", "Tongzilin"),
            ("新南社区", "Xinnan"),
            ("南站社区", "Nanzhan"),
            ("大合仓社区", "Dahecang"),
        ),
    ),
    (
        "晋阳街道",
        "Jinyang Subdistrict",
        (
            ("晋阳社区", "Jinyang"),
            ("吉福社区", "Jifu"),
            ("双凤社区", "Shuangfeng"),
            ("晋吉社区", "Jinji"),
        ),
    ),
    (
        "簇锦街道",
        "Cujin Subdistrict",
        (
            ("簇锦社区", "Cujin"),
            ("铁佛社区", "Tiefo"),
            ("永康社区", "Yongkang"),
            ("顺江社区", "Shunjiang"),
        ),
    ),
    (
        "华兴街道",
        "Huaxing Subdistrict",
        (
            ("华兴社区", "Huaxing"),
            ("清水河社区", "Qingshuihe"),
            ("双楠社区", "Shuangnan"),
            ("丽都社区", "Lidu"),
        ),
    ),
    (
        "金花桥街道",
        "Jinhuaqiao Subdistrict",
        (
            ("金花社区", "Jinhua"),
            ("江安河社区", "Jiang'anhe"),
            ("金兴社区", "Jinxing"),
            ("双庆社区", "Shuangqing"),
        ),
    ),
    (
        "跳伞塔街道",
        "Tiaosanta Subdistrict",
        (
            ("跳伞塔社区", "Tiaosanta"),
            ("棕北社区", "Zongbei"),
            ("科华社区", "Kehua"),
            ("九如村社区", "Jiurucun"),
        ),
    ),
    (
        "芳草街街道",
        "Fangcaojie Subdistrict",
        (
            ("芳草社区", "Fangcao"),
            ("玉洁社区", "Yujie"),
            ("紫荆社区", "Zijing"),
            ("芳华社区", "Fanghua"),
        ),
    ),
)

# (name_zh, English name, income kind: "subsidy" 政府补助 or "service" 政府购买服务,
#  pools it feeds: "GP", "IP" or both, pledges first: True)
DEPARTMENTS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("区委政法委", "Political and Legal Affairs Commission", "subsidy", "GP", False),
    ("区民政局", "Civil Affairs Bureau", "service", "GP IP", True),
    ("区文化广电旅游局", "Culture, Radio, TV and Tourism Bureau", "service", "GP", False),
    ("区卫健局", "Health Commission", "service", "GP", True),
    ("区人社局", "Human Resources and Social Security Bureau", "subsidy", "GP", False),
    ("区残联", "Disabled Persons' Federation", "subsidy", "GP IP", True),
    ("区教育局", "Education Bureau", "service", "GP", False),
    ("区住建交局", "Housing, Construction and Transport Bureau", "subsidy", "GP", True),
    ("区司法局", "Justice Bureau", "service", "GP", False),
    ("区应急局", "Emergency Management Bureau", "subsidy", "GP", False),
    ("区妇联", "Women's Federation", "subsidy", "IP", False),
    ("团区委", "Communist Youth League District Committee", "subsidy", "IP", False),
    ("区委社治委", "Community Development and Governance Commission", "subsidy", "GP IP", True),
    ("区财政局", "Finance Bureau", "subsidy", "IP", True),
    (
        "区综合行政执法局",
        "Comprehensive Administrative Law Enforcement Bureau",
        "service",
        "GP",
        False,
    ),
    ("区生态环境局", "Ecology and Environment Bureau", "service", "GP", False),
    ("区市场监管局", "Market Regulation Bureau", "subsidy", "GP", False),
    ("区退役军人事务局", "Veterans Affairs Bureau", "subsidy", "GP", False),
    ("区总工会", "Federation of Trade Unions", "subsidy", "IP", False),
    ("区科协", "Association for Science and Technology", "service", "GP", False),
    ("区医保局", "Healthcare Security Bureau", "service", "GP", True),
    ("区商务局", "Commerce Bureau", "subsidy", "IP", False),
)

# (name_zh, English name, project of its grant)
ENTERPRISES: tuple[tuple[str, str, str], ...] = (
    ("成都馋爱善食餐饮管理社会企业有限公司", "Chan'ai Shanshi Catering", "社区长者食堂助餐服务"),
    ("成都武侯颐养社区服务社会企业有限公司", "Wuhou Yiyang Community Services", "居家养老上门照护"),
    ("成都和乐残疾人辅助就业社会企业有限公司", "Hele Assisted Employment", "残疾人辅助性就业工坊"),
    ("成都童心托育服务社会企业有限公司", "Tongxin Childcare", "社区普惠托育点"),
    ("成都邻里家政服务社会企业有限公司", "Linli Housekeeping", "困难家庭家政援助"),
    ("成都绿色院落环保科技社会企业有限公司", "Green Courtyard Environmental", "垃圾分类与厨余堆肥"),
    ("成都银龄智慧康养社会企业有限公司", "Yinling Smart Elderly Care", "独居老人智能看护"),
    ("成都心桥心理咨询社会企业有限公司", "Xinqiao Counselling", "社区心理健康服务"),
    ("成都安居物业服务社会企业有限公司", "Anju Property Services", "老旧院落准物业管理"),
    ("成都锦绣非遗文化传播社会企业有限公司", "Jinxiu Intangible Heritage", "蜀绣非遗技能培训"),
    ("成都康复之家残疾人服务社会企业有限公司", "Kangfu Home Disability Services", "残疾人社区康复"),
    ("成都暖阳助残服务社会企业有限公司", "Nuanyang Disability Aid", "残疾儿童康复训练"),
    ("成都邻聚社区商业管理社会企业有限公司", "Linju Community Commerce", "社区便民生活服务站"),
    ("成都青禾就业培训社会企业有限公司", "Qinghe Employment Training", "失业人员再就业培训"),
    ("成都书香社区阅读推广社会企业有限公司", "Shuxiang Reading", "社区共享书屋"),
    ("成都健行体育健康社会企业有限公司", "Jianxing Sports and Health", "全民健身进社区"),
    (
        "成都善居适老化改造社会企业有限公司",
        "Shanju Elder-friendly Renovation",
        "老年人居家适老化改造",
    ),
    ("成都晚晴助浴服务社会企业有限公司", "Wanqing Bathing Assistance", "失能老人助浴服务"),
    ("成都同行社工服务社会企业有限公司", "Tongxing Social Work", "困境儿童关爱服务"),
    ("成都邻安应急服务社会企业有限公司", "Lin'an Emergency Services", "社区应急救护培训"),
    ("成都乐享助残餐饮社会企业有限公司", "Lexiang Inclusive Catering", "助残爱心餐厅"),
    ("成都福寿社区医养结合社会企业有限公司", "Fushou Integrated Care", "社区医养结合服务站"),
    ("成都花间院落微更新社会企业有限公司", "Huajian Courtyard Renewal", "院落微更新营造"),
    ("成都筑梦青年发展社会企业有限公司", "Zhumeng Youth Development", "青少年课后服务"),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆汪范廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛阎段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向汤"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "文",
    "华",
    "红",
    "玉兰",
    "志强",
    "建国",
    "晓燕",
    "海燕",
    "丹",
    "鑫",
    "婷",
    "波",
    "宇",
    "浩",
    "凯",
    "俊杰",
    "欣怡",
    "子涵",
    "雨萱",
    "梓轩",
    "诗琪",
    "佳怡",
    "志明",
    "春梅",
    "秀兰",
    "国强",
    "淑芬",
    "德明",
    "慧",
    "雪梅",
    "晓峰",
    "永红",
    "建军",
    "丽华",
    "小平",
    "天佑",
    "若曦",
)

GIVEN_CHARS = "子浩宇轩涵欣怡梓晨雨思佳嘉明俊杰志文华建国英秀玉兰淑德永春晓海丽静婷雪琳一凡诗若天"

DONOR_BUSINESSES = (
    "成都{place}餐饮有限公司",
    "四川{place}商贸有限公司",
    "成都{place}物业管理有限公司",
    "成都{place}药房连锁有限公司",
    "{place}爱心商户联盟",
    "成都{place}建筑装饰工程有限公司",
    "成都{place}文化传媒有限公司",
    "{place}小区业主委员会",
    "成都{place}超市有限公司",
    "成都{place}科技有限公司",
)

PROVIDERS = (
    "成都市武侯区{place}社会工作服务中心",
    "成都{place}志愿者协会",
    "成都{place}社区服务中心",
    "成都{place}文化艺术团",
    "成都{place}家庭综合服务中心",
    "成都{place}社区营造研究中心",
    "成都{place}青少年发展中心",
    "成都{place}养老服务中心",
)

MICRO_PURPOSES = (
    "重阳节敬老活动",
    "院落绿化微更新",
    "儿童暑期托管",
    "邻里节活动",
    "楼道照明改造",
    "困难家庭慰问",
    "社区志愿者培训",
    "垃圾分类宣传",
    "小区消防设施维护",
    "社区图书角建设",
    "心理健康讲座",
    "法律援助进社区",
    "春节慰问独居老人",
    "社区运动会",
    "非遗文化体验课",
    "社区议事会会务",
    "老年大学书法班",
    "院落自治公约宣传",
    "端午节包粽子活动",
    "亲子阅读会",
)

ALLOCATION_PURPOSES = {
    "GP": (
        "社区综合治理项目",
        "平安社区建设",
        "社区居家养老服务",
        "残疾人社区康复服务",
        "社区文化活动室运营",
        "社区卫生健康宣教",
        "就业困难人员帮扶",
        "老旧院落改造配套",
        "社区矫正帮教服务",
        "应急避难场所维护",
        "社区教育课堂",
        "退役军人服务站运营",
    ),
    "IP": (
        "优秀社区激励项目",
        "社区治理创新奖励项目",
        "巾帼志愿服务项目",
        "青年社区营造项目",
        "社区商业微更新奖励",
        "职工之家共建项目",
    ),
}

ADMIN_ITEMS = (
    ("秘书处工作人员工资", "成都市武侯区社区发展基金会秘书处"),
    ("办公场所租金", "成都武侯国有资产经营有限公司"),
    ("办公用品采购", "成都文轩办公用品有限公司"),
    ("财务软件服务费", "成都用友软件服务有限公司"),
    ("邮电通讯费", "中国电信成都分公司"),
)
