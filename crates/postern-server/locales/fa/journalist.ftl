# Postern، رابط روزنامه‌نگاران: فارسی.
# نوشته و بازبینی‌شده به دست یک مدل زبانی (LLM)؛ نگاه کنید به docs/translations.md.

## چیدمان، در هر صفحه

j-interface = رابط روزنامه‌نگاران
j-skip = رفتن به محتوا
j-org-suffix = رابط روزنامه‌نگاران
j-nav-language = زبان
j-logout = خروج ({ $user })
j-footer = همه‌چیز اینجا با کلیدهای تحریریه رمزگذاری شده است: آن را روی رایانهٔ بدون شبکه بخوانید.

## ورود

j-login-title = ورود
j-login-username = نام کاربری
j-login-passphrase = عبارت عبور
j-login-code = کد تأیید دومرحله‌ای
j-login-button = ورود
j-login-failed = ورود ناموفق بود. نام کاربری، عبارت عبور و کد را بررسی کنید و دوباره تلاش کنید. پس از چند تلاش ناموفق، ورود به حساب برای مدتی متوقف می‌شود.
j-login-again = ورود دوباره
j-logged-out-title = خارج شدید
j-logged-out-text = از سامانه خارج شدید.
j-session-ended-title = نشست پایان یافت
j-session-ended-text = نشست شما پایان یافت (پس از مدتی بی‌فعالیتی، یا چون حساب شما تغییر کرد). دوباره وارد شوید.

## فهرست منبع‌ها

j-sources-title = منبع‌ها
j-sources-summary = { $sources } منبع، { $new } مورد تازه برای شما.
j-bundle-new = بارگیری بسته‌ای از همهٔ موارد تازه
j-sources-none = هنوز منبعی نیست.
j-sources-caption = منبع‌ها، تازه‌ترین فعالیت اول
j-col-source = منبع
j-col-new = تازه
j-col-items = موارد
j-col-last = آخرین فعالیت
j-col-star = ستاره
j-replies-title = پاسخ‌ها
j-replies-label = بستهٔ پاسخی که با { $command } ساخته شده است
j-replies-button = بارگذاری پاسخ‌ها

## یک منبع

j-source-summary = نخستین بار: { $day }؛ { $items } مورد، { $new } مورد تازه برای شما.
j-all-sources = همهٔ منبع‌ها
j-star = ستاره‌دار کردن
j-unstar = برداشتن ستاره
j-mark-seen = علامت‌گذاری همه به‌عنوان دیده‌شده
j-bundle-source = بارگیری بسته‌ای از موارد این منبع
j-items-caption = موارد این منبع
j-col-item = مورد
j-col-kind = نوع
j-col-size = اندازه به بایت (با لایه‌گذاری)
j-col-day = روز
j-col-delete = حذف
j-item-new = (تازه)
j-item-delete-label = حذف { $item }
j-delete = حذف
j-kind-message = پیام
j-kind-file = پرونده
j-kind-reply = پاسخ
j-kind-segment = بخشی از یک ارسال
j-kind-manifest = پایان یک ارسال
j-delete-source-title = حذف این منبع
j-delete-source-text = این کار همهٔ موارد این منبع را از کارساز حذف می‌کند. برگشت‌پذیر نیست.
j-delete-source-confirm = برای تأیید، نام { $designation } را بنویسید
j-delete-source-button = حذف منبع و همهٔ موارد آن
j-notice-item-deleted = مورد حذف شد.
j-notice-not-confirmed = چیزی حذف نشد: برای تأیید، نام را دقیقاً بنویسید.
j-notice-source-deleted = منبع و همهٔ موارد آن حذف شدند.

## بسته‌های پاسخ

j-replies-too-large = بسته بزرگ‌تر از { $size } است.
j-replies-cut-off = بارگذاری قطع شد؛ چیزی وارد نشد.
j-replies-none-chosen = بسته‌ای انتخاب نشد.
j-replies-failed = وارد کردن ناموفق بود؛ چیزی وارد نشد.
j-replies-imported-title = پاسخ‌ها وارد شدند
j-replies-imported-text = { $new } پاسخ تازه برای { $sources } منبع وارد شد؛ { $already } پاسخ پیش‌تر رسیده بود. منبع‌ها پس از ورود آن‌ها را می‌بینند.
j-replies-refused-title = پاسخ‌ها رد شدند
j-replies-refused-text = بستهٔ پاسخ رد شد و چیزی وارد نشد. { $reason }

## Why a reply bundle was refused

j-refusal-no-key = کلید پاسخ تحریریه روی این سرور ثبت نشده است، پس به هیچ پاسخی نمی‌توان اعتماد کرد. مدیر سرور آن را با postern trust-newsroom ثبت می‌کند.
j-refusal-not-bundle = این پرونده بستهٔ پاسخ نیست. پرونده‌ای را بارگذاری کنید که postern-review export-replies ساخته است.
j-refusal-unreadable = این پرونده به‌عنوان بستهٔ پاسخ خوانده نمی‌شود: یا ناقص است یا پرونده‌ای از نوع دیگر است. پرونده‌ای را که postern-review export-replies ساخته است دوباره کپی و بارگذاری کنید.
j-refusal-version = نسخهٔ این بسته را این سرور نمی‌تواند بخواند. سرور یا postern-review را به‌روز کنید تا نسخه‌ها یکی شوند.
j-refusal-cut-short = بسته ناقص است: زودتر از موعد تمام می‌شود یا خوانده نمی‌شود. دوباره آن را کپی کنید و نسخهٔ تازه را بارگذاری کنید.
j-refusal-not-signed = این بسته با کلید تحریریه‌ای که روی این سرور ثبت شده امضا نشده است. یا تغییر کرده است یا با کلید دیگری ساخته شده است.
j-refusal-altered = یکی از پاسخ‌های بسته با سابقهٔ امضاشده‌اش یکی نیست: بسته در راه آسیب دیده یا تغییر کرده است. دوباره آن را صادر کنید.
j-refusal-malformed = بسته آسیب دیده است یا به شکلی نیست که postern-review می‌نویسد. دوباره آن را صادر کنید.
j-refusal-unknown-source = یکی از پاسخ‌ها برای منبعی است که این سرور نمی‌شناسد. شاید بسته برای سرور دیگری باشد.
j-refusal-source-record = سابقهٔ منبعِ یکی از پاسخ‌ها روی این سرور تأیید نمی‌شود. به مدیر سرور خبر دهید.
j-refusal-wrong-key = یکی از پاسخ‌ها با کلید پاسخ منبعش رمزگذاری نشده است، پس منبع نمی‌توانست آن را بخواند. آن را دوباره با postern-review reply بنویسید.
j-refusal-too-large = این بسته برای یک بار وارد کردن پاسخ‌های زیادی دارد. هر بار پاسخ‌های کمتری صادر کنید.
j-refusal-conflict = شناسهٔ یکی از پاسخ‌های بسته با پاسخ دیگری که روی این سرور هست یکی است.
j-refusal-write-failed = نوشتن پاسخ‌ها در میانه متوقف شد. همان بسته را دوباره بارگذاری کنید: کار تمام می‌شود و چیزی دو بار افزوده نمی‌شود.

## خطاها

j-forbidden-title = ممنوع
j-forbidden-text = فرم کهنه بود یا از این سایت فرستاده نشده بود. برگردید، صفحه را تازه کنید و دوباره تلاش کنید.
j-forbidden-other-site = این درخواست از سایت دیگری آمد و رد شد.
j-back = بازگشت
j-back-sources = بازگشت به منبع‌ها
j-error-title = خطا
j-error-text = در کارساز مشکلی پیش آمد. دوباره تلاش کنید؛ اگر ادامه داشت، به گردانندهٔ کارساز خبر دهید.
j-not-found-title = پیدا نشد
j-not-found-item = چنین منبع یا موردی نیست (شاید حذف شده باشد).
j-not-found-page = چنین صفحه‌ای نیست.

## One upload, one entry; deletions asked first

j-items-caption-entries = موارد این منبع، جدیدترین در ابتدا (یک بارگذاری یک مورد است، در هر چند بخش که رسیده باشد)
j-col-size-padded = اندازه (با پرکننده)
j-col-state = وضعیت
j-kind-upload = بارگذاری
j-state-complete = کامل
j-state-in-progress = در جریان: { $have } از { $total } ({ $percent }٪)
j-state-expired = منقضی در { $have } از { $total } ({ $percent }٪): در نگهداری بعدی حذف می‌شود
j-state-parts-missing = ناقص: بخش‌هایی از آن حذف شده است
j-state-unindexed = بخش‌هایی از بارگذاری‌ها که سرور نمی‌تواند گروه‌بندی کند
j-upload-name = بارگذاری { $id }
j-upload-parts = بخش‌های بارگذاری
j-delete-entry = حذف { $kind } { $name }…
j-confirm-title = تأیید حذف
j-confirm-heading = از { $designation } حذف شود؟
j-confirm-text = این کار { $what } را با همهٔ بخش‌هایش از سرور حذف می‌کند. قابل بازگشت نیست.
j-confirm-yes = بله، حذف شود
j-confirm-no = نه، نگه دار
j-notice-upload-deleted = بارگذاری و همهٔ بخش‌هایش حذف شد.

## Bundle selections and their parts

j-dates-from = یا همهٔ موارد از
j-dates-to = تا
j-dates-choose = انتخاب این روزها
j-date-bad-title = تاریخ نیست
j-date-bad = تاریخ‌ها را به شکل YYYY-MM-DD بنویسید.
j-bundle-none-title = چیزی برای بارگیری نیست
j-bundle-none = این انتخاب هیچ موردی ندارد.
j-selection-title = بارگیری یک انتخاب
j-selection-summary = موارد: { $items }. اندازهٔ کل: { $total }. بخش‌ها: { $parts }، هر کدام حداکثر حدود { $size } (موردی بزرگ‌تر از این، خودش یک بخش است).
j-selection-import = هر بخش بسته‌ای امضاشده و مستقل است: بخش‌ها را با { $command } به هر ترتیبی وارد کنید؛ به شما می‌گوید کدام بخش‌های این انتخاب هنوز کم است. بارگیریِ قطع‌شده از همان جایی که مانده ادامه می‌یابد.
j-selection-caption = بخش‌های انتخاب { $id }
j-col-part = بخش
j-col-part-size = اندازه
j-part-link = بخش { $part } از { $parts }
j-selection-expired-title = انتخاب منقضی شد
j-selection-expired = این انتخاب دیگر نگه داشته نمی‌شود (سرور دوباره راه‌اندازی شد، یا از آن زمان انتخاب‌های زیادی ساخته شده است). آن را دوباره از صفحهٔ منبع‌ها انتخاب کنید: موارد یکسان بخش‌های یکسان می‌دهند.
j-selection-changed-title = انتخاب تغییر کرد
j-selection-changed = یکی از موارد این انتخاب پس از ساخته شدنش حذف یا تغییر داده شد. آن را دوباره از صفحهٔ منبع‌ها انتخاب کنید.
