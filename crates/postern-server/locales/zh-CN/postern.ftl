# Postern 界面：简体中文。
#
# 读者可能害怕、匆忙：用简单的词、短句、平静的语气。
# 消息 id 必须与 en-US/postern.ftl 一致（有测试检查）。

## 每个页面的布局

skip-to-content = 跳到正文
nav-language = 语言
footer-nojs = 无需 JavaScript
link-start = 返回首页
logout-button = 退出

## 大小

size-mb = { $n } MB
size-gb = { $n } GB

## 正文中的日期

date = { $year }年{ $month }月{ $day }日

## 首页

landing-title = 安全地发送文件
landing-heading = 安全地发送文件和消息
landing-intro = 在这里，你可以安全地把文件和消息发给{ $org }的记者。
landing-anonymous = 这个网站的设计是让我们无法知道你是谁。但没有任何网站能单靠自己做出这种保证：这也取决于你怎样发送。下面的建议可以降低风险。
landing-safety-heading = 怎样保护自己
landing-safety-tor = 使用 Tor 浏览器（Tor Browser），把安全级别设为“最安全”（Safest）：点击地址栏旁的盾牌图标，或打开“设置”，再打开“隐私与安全”。
landing-safety-safest = “最安全”会关闭 JavaScript，而大多数针对 Tor 浏览器的攻击都需要它。本网站不用它也能完整使用。
landing-safety-bridges = 如果你所在的地方屏蔽了 Tor，请使用网桥：在 Tor 浏览器中打开“设置”，再打开“连接”，然后是“网桥”。
landing-safety-device = 使用与你无关的电脑和网络。绝不要使用工作电脑或工作网络。
landing-safety-silence = 不要告诉任何人你在发送东西。
landing-safety-metadata = 文件里可能带有隐藏信息（元数据），例如作者姓名、设备或地点，这些会指向你。如果可以，请删除它们。
landing-safety-logged = 文件原来所在的地方可能会记录谁打开、打印或复制过它们。想一想，除了你还有谁可能拿到过这些文件。
landing-start-heading = 开始
landing-first-visit = 第一次来？你会得到一个代号：七个随机单词。有了它，你以后可以回来、再次发送，并阅读回复。
landing-get-codename = 获取代号
landing-have-codename = 我已经有代号

## 代号页面，只显示一次

codename-title = 你的代号
codename-intro = 这是你的代号。它只显示这一次。
codename-advice-heading = 妥善保管
codename-write = 把它写在纸上，或者背下来。
codename-secret = 不要告诉任何人，也不要给任何人看。
codename-device = 绝不要把它保存在与你有关的手机、电脑或账户里。
codename-replies = 这是再次登录、阅读记者回复的唯一方法。
codename-lost = 我们不保存副本，所以如果你弄丢了，就无法找回。
codename-latin = 这些是英文单词。请用拉丁字母（a 到 z）输入，并把键盘切换到英文输入。
codename-continue-hint = 继续之前，请确认你已经把它写下来。
codename-continue = 继续发送

## 代号页面被刷新

codename-expired-title = 页面已过期
codename-expired-heading = 此页面已过期
codename-expired-text = 代号只显示一次，所以刷新页面不能再次显示它。
codename-expired-next = 如果你已经写下来，就用它登录。如果没有，请获取一个新代号。
codename-expired-link = 获取新代号

## 登录

login-title = 登录
login-intro = 输入你第一次来时得到的代号。
login-codename-label = 代号
login-codename-hint = 七个单词，中间用空格隔开。你输入的内容会被隐藏，别人无法从你身后偷看。
login-submit = 登录
login-no-codename = 还没有代号？请在首页获取。
login-error-empty = 请输入你的代号。
login-error-too-long = 这太长了，不可能是代号。请检查后再试一次。
login-error-word-count = 代号正好是七个单词。请检查后再试一次。
login-error-keyboard = 你的代号是用非拉丁字母输入的。请把键盘切换到英文输入，再输入一次。
login-error-unknown-word = 有一个单词不是代号用词。请检查拼写后再试一次。

## 登录后的主页

home-title = 发送和阅读回复
home-heading = 发送文件或消息
home-welcome = 欢迎。你的代号已经准备好。你还没有发送任何东西：现在就可以在这里发送。
home-unknown = 用这个代号还没有发送过任何东西。如果你以前发送过，请检查代号是否有错字，然后重新登录。
home-encrypted = 你发送的所有内容一到达就会为记者加密。
home-message-label = 消息
home-files-label = 文件
home-files-hint = 你可以一次选择多个文件。
home-limits = 每个文件最多 { $file }，一次发送的全部内容最多 { $request }。一条消息最多 { $chars } 个字符。
home-split = 更大的压缩包可以分成几部分（例如 7-Zip 分卷），每部分单独发送。
home-large = 如果压缩包非常大（好几 GB），请改用命令行工具 postern-send：它通过 Tor 分块发送，每块走一条新线路；连接断开后，即使重启，也会从中断的地方继续。它会询问你的代号和本网站的 .onion 地址；新闻机构的指南会说明如何获取它。如果 Tor 浏览器处于“最安全”级别，请把压缩包分成不超过上述大小的部分（例如：7z a -v1g parts.7z FOLDER），然后在这里一个一个地发送。
home-wait = 通过 Tor 发送可能需要很长时间。在看到确认之前，请不要关闭此页面。
home-submit = 加密并发送
notice-nothing-sent = 没有发送任何东西：请写一条消息，或至少选择一个文件。
home-replies-heading = 回复
home-replies-none = 还没有回复。
home-reply-day = { $day }的回复
home-replies-locked = 你有回复，但这个会话闲置太久，无法打开它们。请退出，再用代号登录来阅读。
home-replies-deletion = 删除回复会把它从这台服务器上移除。记者在他们的离线电脑上保留自己的副本。
home-reply-delete = 删除这条回复
home-replies-delete-all = 删除所有回复
notice-reply-deleted = 回复已删除。
notice-replies-deleted = 所有回复已删除。
notice-reply-gone = 那条回复已经删除了。
home-logout-hint = 完成后，请退出。

## 发送之后

submitted-title = 谢谢
submitted-heading = 谢谢
submitted-files-and-message = 你的消息和 { $files } 个文件已加密并保存。
submitted-files = { $files } 个文件已加密并保存。
submitted-message = 你的消息已加密并保存。
submitted-nothing = 没有发送任何东西：表单是空的。
submitted-next-heading = 接下来会怎样
submitted-next-check = 记者会定期查看新内容。回复可能需要几天。
submitted-next-return = 以后再回来，用你的代号登录来阅读回复。
submitted-back = 继续发送，或阅读回复

## 已退出

logged-out-title = 已退出
logged-out-heading = 你已退出
logged-out-new-identity = 现在请用 Tor 浏览器的“新身份”功能清除这次会话：打开 ☰ 菜单，选择“新身份”，或按 Ctrl+Shift+U。

## 会话已结束

expired-title = 会话已结束
expired-heading = 你的会话已结束
expired-text = 为了你的安全，会话在一段时间无操作后已结束。
expired-kept = 你没有发送的内容都没有保留。
expired-login = 用代号重新登录

## 错误（$status 是 HTTP 状态码）

error-title = 错误 { $status }
error-not-found = 此页面不存在。
error-bad-request = 无法理解这个请求。请返回后再试一次。
error-csrf = 这个表单已过期，或者来自另一个网站。请返回，刷新页面后再试一次。
error-too-large = 上传的内容超过了限制，所以什么都没有保存。请把它分成更小的部分，一次发送一部分。
error-message-kept = 你的消息还在：就在下面的输入框里。
error-message-too-long = 消息超过了长度限制。请缩短它，或者把它存成文件再发送文件。
error-server = 我们这边出了问题。你发送的内容都没有保留。请稍后再试。
error-disk-full = 服务器现在无法接收文件。请稍后再试。
error-method = 不能这样使用此页面。请返回首页。

## 繁忙

busy-title = 繁忙
busy-heading = 请稍等
busy-text = 现在有很多人正在登录。请等一分钟再试。
