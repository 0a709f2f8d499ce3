# Postern 给来源的两份说明：“保护自己”和“发送很大的资料包”。
# 简体中文。由语言模型（LLM）撰写并复核；见 docs/translations.md。

landing-safety-more = 进一步了解如何保护自己
home-large-more = 如何发送很大的资料包

## 保护自己

safety-title = 保护自己
safety-intro = 发送任何东西之前，请先读完这一页。只需要几分钟。
safety-promise-heading = 我们能承诺什么，不能承诺什么
safety-promise-1 = 本网站不记录谁来访问。你发送的内容只以加密形式保存，只有编辑部能打开。
safety-promise-2 = 我们不能承诺永远没有人会知道你是谁。人们最常被找到，是因为发送之前发生的事：谁拿到过这些文件，谁复制过，告诉过谁。
safety-promise-3 = 下面的建议能降低这种风险，但不能消除它。
safety-bridges-heading = 如果你所在的地方屏蔽了 Tor
safety-bridges-1 = 一些国家会屏蔽或限速 Tor，其中包括俄罗斯、白俄罗斯、伊朗和中国。网桥可以帮你照样连上。
safety-bridges-2 = 在 Tor 浏览器中打开“设置”，再打开“连接”，然后是“网桥”。选择一个内置网桥：先试 obfs4，再试 Snowflake。
safety-bridges-3 = 如果还是连不上，就去要一个网桥：在 Telegram 上给 @GetBridgesBot 发消息，或者用 Gmail 或 Riseup 邮箱发邮件到 bridges@torproject.org。把收到的网桥添加到“网桥”里。
safety-bridges-4 = 在有些地方，使用 Tor 本身就可能引人注意。如果这对你有危险，请在与你无关的地点、通过与你无关的网络连接。
safety-metadata-heading = 文件里隐藏的信息
safety-metadata-1 = 文件里有你看不到的信息，叫作元数据。照片和视频可能带有地点、时间和设备。文档可能带有作者姓名、单位和以前的版本。
safety-metadata-2 = 文件名会原样送到编辑部。如果文件名透露太多，发送前请先改名。
safety-metadata-3 = 要删除元数据，请用专门的工具，例如 Tails 系统自带的 mat2。截图几乎不保留原文件的任何信息，但要检查截图里没有屏幕上的其他内容。
safety-metadata-4 = 打印出来的纸上可能有能识别打印机的细小黄点。不要打印后再扫描文件。
safety-metadata-5 = 如果你删不掉元数据，请在留言里说明。记者在发表任何内容之前都会检查每个文件。
safety-logged-heading = 复制这一行为本身可能被记录在哪里
safety-logged-1 = 文件来源的地方可能记录了谁在什么时候打开、下载、打印或复制过它们。工作网络、文档系统、电子邮件、云存储和 USB 接口常常留有这类记录。
safety-logged-2 = 想一想还有谁可能拿到过同样的文件。如果只有很少的人拿到过，请告诉我们。编辑部在发表前会考虑这一点。
safety-logged-3 = 不要用工作电脑、工作手机或工作网络发送。
safety-knows-heading = 编辑部会知道什么，不会知道什么
safety-knows-yes = 编辑部会看到你发送的内容：文件和文件名、你的留言，以及你发送的日期。
safety-knows-no = 除非你或你的文件透露，编辑部看不到你的 IP 地址、你的名字、你在哪里，也看不到确切的时间。
safety-knows-codename = 你的代号不会保存在任何地方。请妥善保管：只有用它才能读到回复。
safety-after-heading = 发送之后
safety-after-1 = 完成后，在 Tor 浏览器中使用“新身份”，也不要告诉任何人你发送过东西。
safety-after-2 = 一切照常。不要用工作电脑搜索相关报道。

## 发送很大的资料包

large-title = 发送很大的资料包
large-intro = 通过 Tor，大资料包要传好几个小时。连接会断开，这很正常。有两种发送方法。
large-table-caption = 发送大约需要多长时间
large-col-size = 大小
large-speed = { $n } MB/秒
large-col-speed = 速度 { $speed }
large-minutes = { $n } 分钟
large-hours = 约 { $n } 小时
large-table-note = Tor 的速度通常在 1 到 5 MB/秒之间。这些时间只是估计。
large-send-heading = 最简单的方法：postern-send
large-send-intro = postern-send 是一个小程序。它把文件分块发送，每一块都走一条新的 Tor 线路。断线或重启之后，它会从停下的地方继续。
large-send-step-1 = 先在本网站获取一个代号，并把它写下来。
large-send-step-2 = 发送期间不要关闭 Tor 浏览器。
large-send-step-3 = 按编辑部的指南获取 postern-send 和本网站的 .onion 地址。
large-send-step-4 = 运行下面的命令，填上网站地址和你的文件。程序询问时输入代号；输入时屏幕上什么也不显示。
large-send-step-5 = 如果停下了，再运行一次同样的命令。它会从停下的地方继续。
large-split-heading = 不用程序：把资料包分成几份
large-split-text = 如果 Tor 浏览器处于“最安全”级别，请把资料包分成几份，每份不超过登录后显示的上限。用同一个代号一份一份地发送。这样断线时只损失一份。
large-rename = 文件名会送到编辑部。如果文件名透露太多，请先改名。
