# Postern 记者界面：简体中文。
# 由语言模型（LLM）撰写并复核；见 docs/translations.md。

## 每页的布局

j-interface = 记者界面
j-skip = 跳到正文
j-org-suffix = 记者界面
j-nav-language = 语言
j-logout = 退出登录（{ $user }）
j-footer = 这里的一切都用编辑部的密钥加密：请在不联网的电脑上阅读。

## 登录

j-login-title = 登录
j-login-username = 用户名
j-login-passphrase = 口令短语
j-login-code = 两步验证码
j-login-button = 登录
j-login-failed = 登录失败。请检查用户名、口令短语和验证码，然后再试一次。多次失败后，该账户的登录会暂停一段时间。
j-login-again = 重新登录
j-logged-out-title = 已退出
j-logged-out-text = 你已退出登录。
j-session-ended-title = 会话已结束
j-session-ended-text = 你的会话已结束（长时间没有操作，或者你的账户有变更）。请重新登录。

## 来源列表

j-sources-title = 来源
j-sources-summary = { $sources } 个来源，{ $new } 个新条目待你查看。
j-bundle-new = 下载包含全部新内容的数据包
j-sources-none = 还没有来源。
j-sources-caption = 来源，最近活动的在前
j-col-source = 来源
j-col-new = 新
j-col-items = 条目
j-col-last = 最近活动
j-col-star = 星标
j-replies-title = 回复
j-replies-label = 用 { $command } 生成的回复包
j-replies-button = 上传回复

## 单个来源

j-source-summary = 首次出现：{ $day }；共 { $items } 个条目，其中 { $new } 个对你是新的。
j-all-sources = 全部来源
j-star = 加星标
j-unstar = 取消星标
j-mark-seen = 全部标为已看
j-bundle-source = 下载包含此来源全部条目的数据包
j-items-caption = 此来源的条目
j-col-item = 条目
j-col-kind = 类型
j-col-size = 大小（字节，含填充）
j-col-day = 日期
j-col-delete = 删除
j-item-new = （新）
j-item-delete-label = 删除 { $item }
j-delete = 删除
j-kind-message = 消息
j-kind-file = 文件
j-kind-reply = 回复
j-kind-segment = 上传的一部分
j-kind-manifest = 上传的结尾
j-delete-source-title = 删除此来源
j-delete-source-text = 这会从服务器上删除此来源的全部条目，无法撤销。
j-delete-source-confirm = 请输入代号 { $designation } 以确认
j-delete-source-button = 删除此来源及其全部条目
j-notice-item-deleted = 条目已删除。
j-notice-not-confirmed = 没有删除任何内容：请准确输入代号以确认。
j-notice-source-deleted = 此来源及其全部条目已删除。

## 回复包

j-replies-too-large = 数据包超过 { $size }。
j-replies-cut-off = 上传中断；没有导入任何内容。
j-replies-none-chosen = 没有选择数据包。
j-replies-failed = 导入失败；没有导入任何内容。
j-replies-imported-title = 回复已导入
j-replies-imported-text = 为 { $sources } 个来源导入了 { $new } 条新回复；{ $already } 条之前已送达。来源登录后就能看到。
j-replies-refused-title = 回复被拒绝
j-replies-refused-text = 回复包被拒绝，没有导入任何内容。{ $reason }

## Why a reply bundle was refused

j-refusal-no-key = 这台服务器上没有固定编辑部的回复密钥，所以任何回复都不能信任。运营者用 postern trust-newsroom 固定它。
j-refusal-not-bundle = 这个文件不是回复包。请上传 postern-review export-replies 生成的文件。
j-refusal-unreadable = 这个文件无法作为回复包读取：它不完整，或者根本是另一种文件。请重新复制 postern-review export-replies 生成的文件，再上传。
j-refusal-version = 这个回复包的版本是这台服务器读不了的。请更新服务器或 postern-review，让两者版本一致。
j-refusal-cut-short = 回复包不完整：提前结束了，或者无法读取。请重新复制一份，再上传新的副本。
j-refusal-not-signed = 回复包没有用这台服务器上固定的编辑部密钥签名。它被改动过，或者是用别的密钥生成的。
j-refusal-altered = 包里的一条回复与它的签名记录不一致：回复包在途中损坏或被改动。请重新导出。
j-refusal-malformed = 回复包已损坏，或者不是 postern-review 写出的格式。请重新导出。
j-refusal-unknown-source = 有一条回复发给了这台服务器不认识的来源。这个回复包可能是给另一台服务器的。
j-refusal-source-record = 这台服务器上一条回复所属来源的记录没有通过验证。请告诉运营者。
j-refusal-wrong-key = 有一条回复没有用其来源的回复密钥加密，来源无法读到它。请用 postern-review reply 重新写。
j-refusal-too-large = 这个回复包里的回复太多，一次导入不了。请每次导出少一些回复。
j-refusal-conflict = 包里有一条回复的编号与服务器上已有的另一条回复相同。
j-refusal-write-failed = 写入回复时中途失败。请再次上传同一个回复包：导入会完成，且不会重复添加任何内容。

## 错误

j-forbidden-title = 禁止访问
j-forbidden-text = 表单已过期，或者不是从本站发出的。请返回，刷新页面后再试。
j-forbidden-other-site = 此请求来自其他网站，已被拒绝。
j-back = 返回
j-back-sources = 返回来源列表
j-error-title = 错误
j-error-text = 服务器出了问题。请再试一次；如果问题持续，请告诉管理员。
j-not-found-title = 未找到
j-not-found-item = 没有这个来源或条目（可能已被删除）。
j-not-found-page = 没有这个页面。

## One upload, one entry; deletions asked first

j-items-caption-entries = 此来源的条目，最新的在前（一次上传无论分几部分到达，都是一个条目）
j-col-size-padded = 大小（含填充）
j-col-state = 状态
j-kind-upload = 上传
j-state-complete = 已完成
j-state-in-progress = 进行中：{ $have } / { $total }（{ $percent }%）
j-state-expired = 已过期，停在 { $have } / { $total }（{ $percent }%）：将在下次维护时删除
j-state-parts-missing = 不完整：部分内容已被删除
j-state-unindexed = 服务器无法归组的上传部分
j-upload-name = 上传 { $id }
j-upload-parts = 上传部分
j-delete-entry = 删除{ $kind } { $name }…
j-confirm-title = 确认删除
j-confirm-heading = 从 { $designation } 删除？
j-confirm-text = 这将从服务器删除 { $what } 及其所有部分。此操作无法撤销。
j-confirm-yes = 是，删除
j-confirm-no = 不，保留
j-notice-upload-deleted = 该上传及其所有部分已删除。

## Bundle selections and their parts

j-dates-from = 或从以下日期起的全部条目：
j-dates-to = 至
j-dates-choose = 选择这些日期
j-date-bad-title = 不是日期
j-date-bad = 请按 YYYY-MM-DD 格式填写日期。
j-bundle-none-title = 没有可下载的内容
j-bundle-none = 此选择中没有任何条目。
j-selection-title = 下载一个选择
j-selection-summary = 条目：{ $items }。总大小：{ $total }。分卷：{ $parts }，每卷最多约 { $size }（更大的条目单独成卷）。
j-selection-import = 每个分卷都是一个独立的已签名数据包：用 { $command } 按任意顺序导入各分卷，它会告诉你此选择还缺哪些分卷。中断的下载会从中断处继续。
j-selection-caption = 选择 { $id } 的分卷
j-col-part = 分卷
j-col-part-size = 大小
j-part-link = 第 { $part } 卷，共 { $parts } 卷
j-selection-expired-title = 选择已过期
j-selection-expired = 此选择已不再保留（服务器重启过，或此后又创建了许多选择）。请在来源页面重新选择：相同的条目会得到相同的分卷。
j-selection-changed-title = 选择已变化
j-selection-changed = 此选择中的某个条目在创建后被删除或更改。请在来源页面重新选择。
