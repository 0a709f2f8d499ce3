# Postern, інтерфейс журналіста: українська.
# Написано й перевірено мовною моделлю (LLM); див. docs/translations.md.

## Макет, на кожній сторінці

j-interface = Інтерфейс журналіста
j-skip = Перейти до вмісту
j-org-suffix = інтерфейс журналіста
j-nav-language = Мова
j-logout = Вийти ({ $user })
j-footer = усе тут зашифровано ключами редакції: читайте це на комп’ютері без мережі.

## Вхід

j-login-title = Вхід
j-login-username = Ім’я користувача
j-login-passphrase = Парольна фраза
j-login-code = Код двофакторної перевірки
j-login-button = Увійти
j-login-failed = Увійти не вдалося. Перевірте ім’я користувача, парольну фразу й код і спробуйте ще раз. Після кількох невдалих спроб вхід до облікового запису на деякий час призупиняється.
j-login-again = Увійти знову
j-logged-out-title = Ви вийшли
j-logged-out-text = Ви вийшли з системи.
j-session-ended-title = Сеанс завершено
j-session-ended-text = Ваш сеанс завершено (після тривалої бездіяльності або тому, що ваш обліковий запис змінився). Увійдіть знову.

## Список джерел

j-sources-title = Джерела
j-sources-summary =
    { $sources ->
        [one] { $sources } джерело
        [few] { $sources } джерела
       *[many] { $sources } джерел
    }; нових матеріалів для вас: { $new }.
j-bundle-new = Завантажити пакет з усім новим
j-sources-none = Джерел поки немає.
j-sources-caption = Джерела, спершу найнедавніші
j-col-source = Джерело
j-col-new = Нові
j-col-items = Матеріали
j-col-last = Остання активність
j-col-star = Зірка
j-replies-title = Відповіді
j-replies-label = Пакет відповідей, створений командою { $command }
j-replies-button = Надіслати відповіді на сервер

## Одне джерело

j-source-summary =
    Уперше: { $day }; { $items ->
        [one] { $items } матеріал
        [few] { $items } матеріали
       *[many] { $items } матеріалів
    }, нових для вас: { $new }.
j-all-sources = Усі джерела
j-star = Позначити зіркою
j-unstar = Зняти зірку
j-mark-seen = Позначити все як переглянуте
j-bundle-source = Завантажити пакет з матеріалами цього джерела
j-items-caption = Матеріали цього джерела
j-col-item = Матеріал
j-col-kind = Тип
j-col-size = Розмір у байтах (з доповненням)
j-col-day = День
j-col-delete = Видалення
j-item-new = (новий)
j-item-delete-label = Видалити { $item }
j-delete = Видалити
j-kind-message = Повідомлення
j-kind-file = Файл
j-kind-reply = Відповідь
j-kind-segment = Частина надсилання
j-kind-manifest = Кінець надсилання
j-delete-source-title = Видалити це джерело
j-delete-source-text = Усі матеріали цього джерела буде видалено із сервера. Скасувати це не можна.
j-delete-source-confirm = Для підтвердження введіть позначення { $designation }
j-delete-source-button = Видалити джерело й усі його матеріали
j-notice-item-deleted = Матеріал видалено.
j-notice-not-confirmed = Нічого не видалено: для підтвердження введіть позначення точно.
j-notice-source-deleted = Джерело й усі його матеріали видалено.

## Пакети відповідей

j-replies-too-large = Пакет більший за { $size }.
j-replies-cut-off = Надсилання перервалося; нічого не імпортовано.
j-replies-none-chosen = Пакет не вибрано.
j-replies-failed = Імпорт не вдався; нічого не імпортовано.
j-replies-imported-title = Відповіді імпортовано
j-replies-imported-text = Нових відповідей: { $new }, джерел: { $sources }; уже доставлено раніше: { $already }. Джерела побачать відповіді, коли ввійдуть.
j-replies-refused-title = Відповіді відхилено
j-replies-refused-text = Пакет відповідей відхилено, нічого не імпортовано. Причина (англійською): { $reason }

## Помилки

j-forbidden-title = Доступ заборонено
j-forbidden-text = Форма застаріла або надіслана не з цього сайту. Поверніться, оновіть сторінку й спробуйте ще раз.
j-forbidden-other-site = Цей запит надійшов з іншого сайту й відхилений.
j-back = Назад
j-back-sources = Назад до джерел
j-error-title = Помилка
j-error-text = На сервері щось пішло не так. Спробуйте ще раз; якщо помилка повториться, повідомте адміністратора.
j-not-found-title = Не знайдено
j-not-found-item = Такого джерела або матеріалу немає (можливо, його видалено).
j-not-found-page = Такої сторінки немає.

## One upload, one entry; deletions asked first

j-items-caption-entries = Матеріали цього джерела, нові згори (завантаження — один матеріал, зі скількох частин воно б не складалося)
j-col-size-padded = Розмір (з доповненням)
j-col-state = Стан
j-kind-upload = Завантаження
j-state-complete = завершено
j-state-in-progress = триває: { $have } з { $total } ({ $percent } %)
j-state-expired = прострочено на { $have } з { $total } ({ $percent } %): буде видалено під час наступного обслуговування
j-state-parts-missing = неповне: частину його частин видалено
j-state-unindexed = частини завантажень, які сервер не може згрупувати
j-upload-name = завантаження { $id }
j-upload-parts = частини завантажень
j-delete-entry = Видалити: { $kind } { $name }…
j-confirm-title = Підтвердьте видалення
j-confirm-heading = Видалити в джерела { $designation }?
j-confirm-text = Буде видалено з сервера: { $what }, з усіма частинами. Це не можна скасувати.
j-confirm-yes = Так, видалити
j-confirm-no = Ні, залишити
j-notice-upload-deleted = Завантаження та всі його частини видалено.

## Bundle selections and their parts

j-dates-from = Або всі матеріали з
j-dates-to = по
j-dates-choose = Вибрати ці дні
j-date-bad-title = Це не дата
j-date-bad = Вказуйте дати у вигляді РРРР-ММ-ДД.
j-bundle-none-title = Нічого завантажувати
j-bundle-none = У цій вибірці немає жодного матеріалу.
j-selection-title = Завантажити вибірку
j-selection-summary = Матеріалів: { $items }. Загальний розмір: { $total }. Частин: { $parts }, кожна не більше приблизно { $size } (більший матеріал — окрема частина).
j-selection-import = Кожна частина — окремий підписаний пакет: імпортуйте частини командою { $command } у будь-якому порядку, і вона скаже, яких частин цієї вибірки ще бракує. Перерване завантаження продовжується з місця зупинки.
j-selection-caption = Частини вибірки { $id }
j-col-part = Частина
j-col-part-size = Розмір
j-part-link = Частина { $part } з { $parts }
j-selection-expired-title = Вибірка застаріла
j-selection-expired = Ця вибірка більше не зберігається (сервер перезапускався, або відтоді зроблено багато інших). Виберіть її знову на сторінці джерел: ті самі матеріали дають ті самі частини.
j-selection-changed-title = Вибірка змінилася
j-selection-changed = Матеріал цієї вибірки було видалено або змінено після її створення. Виберіть її знову на сторінці джерел.
