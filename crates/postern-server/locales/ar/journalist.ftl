# Postern، واجهة الصحفيين: العربية.
# كتبها وراجعها نموذج لغوي (LLM)؛ انظر docs/translations.md.

## التخطيط، في كل صفحة

j-interface = واجهة الصحفيين
j-skip = انتقل إلى المحتوى
j-org-suffix = واجهة الصحفيين
j-nav-language = اللغة
j-logout = تسجيل الخروج ({ $user })
j-footer = كل ما هنا مشفّر بمفاتيح غرفة الأخبار: اقرأه على الحاسوب المعزول عن الشبكة.

## تسجيل الدخول

j-login-title = تسجيل الدخول
j-login-username = اسم المستخدم
j-login-passphrase = عبارة المرور
j-login-code = رمز التحقق بخطوتين
j-login-button = تسجيل الدخول
j-login-failed = فشل تسجيل الدخول. تحقّق من اسم المستخدم وعبارة المرور والرمز، ثم حاول مرة أخرى. بعد عدة محاولات فاشلة، يتوقف الدخول إلى الحساب لبعض الوقت.
j-login-again = سجّل الدخول مرة أخرى
j-logged-out-title = تم تسجيل الخروج
j-logged-out-text = لقد سجّلت الخروج.
j-session-ended-title = انتهت الجلسة
j-session-ended-text = انتهت جلستك (بعد فترة دون نشاط، أو لأن حسابك تغيّر). سجّل الدخول مرة أخرى.

## قائمة المصادر

j-sources-title = المصادر
j-sources-summary = عدد المصادر: { $sources }؛ العناصر الجديدة لك: { $new }.
j-bundle-new = تنزيل حزمة بكل ما هو جديد
j-sources-none = لا توجد مصادر بعد.
j-sources-caption = المصادر، الأحدث نشاطًا أولًا
j-col-source = المصدر
j-col-new = جديد
j-col-items = العناصر
j-col-last = آخر نشاط
j-col-star = نجمة
j-replies-title = الردود
j-replies-label = حزمة ردود أنشأها الأمر { $command }
j-replies-button = رفع الردود

## مصدر واحد

j-source-summary = أول ظهور: { $day }؛ عدد العناصر: { $items }، منها جديد لك: { $new }.
j-all-sources = كل المصادر
j-star = ضع نجمة
j-unstar = أزل النجمة
j-mark-seen = علّم الكل كمقروء
j-bundle-source = تنزيل حزمة بعناصر هذا المصدر
j-items-caption = عناصر هذا المصدر
j-col-item = العنصر
j-col-kind = النوع
j-col-size = الحجم بالبايت (مع الحشو)
j-col-day = اليوم
j-col-delete = الحذف
j-item-new = (جديد)
j-item-delete-label = احذف { $item }
j-delete = احذف
j-kind-message = رسالة
j-kind-file = ملف
j-kind-reply = رد
j-kind-segment = جزء من إرسال
j-kind-manifest = نهاية إرسال
j-delete-source-title = احذف هذا المصدر
j-delete-source-text = هذا يحذف كل عناصر هذا المصدر من الخادم. لا يمكن التراجع عنه.
j-delete-source-confirm = للتأكيد، اكتب الاسم { $designation }
j-delete-source-button = احذف المصدر وكل عناصره
j-notice-item-deleted = حُذف العنصر.
j-notice-not-confirmed = لم يُحذف شيء: اكتب الاسم كما هو تمامًا للتأكيد.
j-notice-source-deleted = حُذف المصدر وكل عناصره.

## حزم الردود

j-replies-too-large = الحزمة أكبر من { $size }.
j-replies-cut-off = انقطع الرفع؛ لم يُستورد شيء.
j-replies-none-chosen = لم تُختر أي حزمة.
j-replies-failed = فشل الاستيراد؛ لم يُستورد شيء.
j-replies-imported-title = استُوردت الردود
j-replies-imported-text = الردود الجديدة المستوردة: { $new }، لعدد من المصادر: { $sources }؛ سُلّم من قبل: { $already }. ستراها المصادر عند تسجيل دخولها.
j-replies-refused-title = رُفضت الردود
j-replies-refused-text = رُفضت حزمة الردود ولم يُستورد شيء. { $reason }

## Why a reply bundle was refused

j-refusal-no-key = لم يُثبَّت مفتاح ردود غرفة الأخبار على هذا الخادم، لذا لا يمكن الوثوق بأي رد. يثبّته المشغّل بالأمر postern trust-newsroom.
j-refusal-not-bundle = هذا الملف ليس حزمة ردود. ارفع الملف الذي كتبه الأمر postern-review export-replies.
j-refusal-unreadable = لا يمكن قراءة هذا الملف كحزمة ردود: إما أنه مقطوع، وإما أنه ملف من نوع آخر. انسخ من جديد الملف الذي كتبه الأمر postern-review export-replies وارفعه.
j-refusal-version = صُنعت الحزمة بإصدار لا يقرؤه هذا الخادم. حدّث الخادم أو postern-review حتى يتطابق الإصداران.
j-refusal-cut-short = الحزمة ناقصة: تنتهي قبل أوانها أو لا يمكن قراءتها. انسخها مرة أخرى وارفع النسخة الجديدة.
j-refusal-not-signed = الحزمة غير موقّعة بمفتاح غرفة الأخبار المثبّت على هذا الخادم. فقد غُيّرت، أو صُنعت بمفتاح آخر.
j-refusal-altered = أحد الردود في الحزمة لا يطابق سجله الموقّع: تلفت الحزمة أو غُيّرت في الطريق. صدّرها مرة أخرى.
j-refusal-malformed = الحزمة تالفة أو ليست بالشكل الذي يكتبه postern-review. صدّرها مرة أخرى.
j-refusal-unknown-source = أحد الردود موجّه إلى مصدر لا يعرفه هذا الخادم. ربما كانت الحزمة مخصّصة لخادم آخر.
j-refusal-source-record = سجل مصدر أحد الردود على هذا الخادم لا يجتاز التحقق. أبلغ المشغّل.
j-refusal-wrong-key = أحد الردود غير مشفّر بمفتاح ردود مصدره، فلن يستطيع المصدر قراءته. اكتبه مرة أخرى بالأمر postern-review reply.
j-refusal-too-large = في الحزمة ردود أكثر مما يحتمله استيراد واحد. صدّر ردودًا أقل في كل مرة.
j-refusal-conflict = لأحد الردود في الحزمة معرّف رد آخر موجود على هذا الخادم.
j-refusal-write-failed = توقفت كتابة الردود في منتصفها. ارفع الحزمة نفسها مرة أخرى: يكتمل الاستيراد ولا يُضاف شيء مرتين.

## الأخطاء

j-forbidden-title = ممنوع
j-forbidden-text = النموذج قديم أو لم يُرسل من هذا الموقع. عد إلى الخلف، وأعد تحميل الصفحة، وحاول مرة أخرى.
j-forbidden-other-site = جاء هذا الطلب من موقع آخر ورُفض.
j-back = رجوع
j-back-sources = الرجوع إلى المصادر
j-error-title = خطأ
j-error-text = حدث خطأ في الخادم. حاول مرة أخرى؛ وإن استمر، أخبر المشغّل.
j-not-found-title = غير موجود
j-not-found-item = لا يوجد هذا المصدر أو العنصر (ربما حُذف).
j-not-found-page = لا توجد هذه الصفحة.

## One upload, one entry; deletions asked first

j-items-caption-entries = عناصر هذا المصدر، الأحدث أولًا (الرفع عنصر واحد مهما كان عدد الأجزاء التي وصل بها)
j-col-size-padded = الحجم (مع الحشو)
j-col-state = الحالة
j-kind-upload = رفع
j-state-complete = مكتمل
j-state-in-progress = جارٍ: { $have } من { $total } ({ $percent }٪)
j-state-expired = انتهت صلاحيته عند { $have } من { $total } ({ $percent }٪): يُحذف في الصيانة التالية
j-state-parts-missing = غير مكتمل: حُذفت أجزاء منه
j-state-unindexed = أجزاء من عمليات رفع لا يستطيع الخادم تجميعها
j-upload-name = رفع { $id }
j-upload-parts = أجزاء عمليات رفع
j-delete-entry = حذف { $kind } { $name }…
j-confirm-title = تأكيد الحذف
j-confirm-heading = حذف من { $designation }؟
j-confirm-text = سيحذف هذا { $what } من الخادم مع جميع أجزائه. لا يمكن التراجع عن ذلك.
j-confirm-yes = نعم، احذفه
j-confirm-no = لا، أبقِه
j-notice-upload-deleted = حُذف الرفع وجميع أجزائه.

## Bundle selections and their parts

j-dates-from = أو كل العناصر من
j-dates-to = إلى
j-dates-choose = اختر هذه الأيام
j-date-bad-title = ليس تاريخًا
j-date-bad = اكتب التواريخ بالشكل YYYY-MM-DD.
j-bundle-none-title = لا شيء للتنزيل
j-bundle-none = لا يحتوي هذا التحديد على أي عنصر.
j-selection-title = تنزيل تحديد
j-selection-summary = العناصر: { $items }. الحجم الكلي: { $total }. الأجزاء: { $parts }، كل منها نحو { $size } على الأكثر (العنصر الأكبر من ذلك جزء قائم بذاته).
j-selection-import = كل جزء حزمة موقّعة قائمة بذاتها: استورد الأجزاء باستخدام { $command } بأي ترتيب، وسيخبرك بالأجزاء التي ما زالت ناقصة من هذا التحديد. التنزيل المقطوع يُستأنف من حيث توقف.
j-selection-caption = أجزاء التحديد { $id }
j-col-part = الجزء
j-col-part-size = الحجم
j-part-link = الجزء { $part } من { $parts }
j-selection-expired-title = انتهت صلاحية التحديد
j-selection-expired = لم يعد هذا التحديد محفوظًا (أُعيد تشغيل الخادم، أو أُنشئت تحديدات كثيرة منذ ذلك الحين). اختره مرة أخرى من صفحة المصادر: العناصر نفسها تعطي الأجزاء نفسها.
j-selection-changed-title = تغيّر التحديد
j-selection-changed = حُذف عنصر من هذا التحديد أو تغيّر منذ إنشائه. اختره مرة أخرى من صفحة المصادر.
