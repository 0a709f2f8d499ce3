# Postern, інтэрфейс журналіста: беларуская.
# Напісана і праверана моўнай мадэллю (LLM); гл. docs/translations.md.
# Множны лік выбіраецца па $<імя>_form (гл. t_args у web/kit/i18n.rs).

## Макет, на кожнай старонцы

j-interface = Інтэрфейс журналіста
j-skip = Перайсці да зместу
j-org-suffix = інтэрфейс журналіста
j-nav-language = Мова
j-logout = Выйсці ({ $user })
j-footer = усё тут зашыфравана ключамі рэдакцыі: чытайце гэта на камп’ютары без сеткі.

## Уваход

j-login-title = Уваход
j-login-username = Імя карыстальніка
j-login-passphrase = Парольная фраза
j-login-code = Код двухфактарнай праверкі
j-login-button = Увайсці
j-login-failed = Увайсці не атрымалася. Праверце імя карыстальніка, парольную фразу і код і паспрабуйце яшчэ раз. Пасля некалькіх няўдалых спроб уваход ва ўліковы запіс на час спыняецца.
j-login-again = Увайсці зноў
j-logged-out-title = Вы выйшлі
j-logged-out-text = Вы выйшлі з сістэмы.
j-session-ended-title = Сеанс скончаны
j-session-ended-text = Ваш сеанс скончаны (пасля доўгай бяздзейнасці або таму, што ваш уліковы запіс змяніўся). Увайдзіце зноў.

## Спіс крыніц

j-sources-title = Крыніцы
j-sources-summary =
    { $sources_form ->
        [one] { $sources } крыніца
        [few] { $sources } крыніцы
       *[many] { $sources } крыніц
    }; новых матэрыялаў для вас: { $new }.
j-bundle-new = Спампаваць пакет з усім новым
j-sources-none = Крыніц пакуль няма.
j-sources-caption = Крыніцы, спачатку самыя нядаўнія
j-col-source = Крыніца
j-col-new = Новыя
j-col-items = Матэрыялы
j-col-last = Апошняя актыўнасць
j-col-star = Зорка
j-replies-title = Адказы
j-replies-label = Пакет адказаў, створаны камандай { $command }
j-replies-button = Адправіць адказы на сервер

## Адна крыніца

j-source-summary =
    Упершыню: { $day }; { $items_form ->
        [one] { $items } матэрыял
        [few] { $items } матэрыялы
       *[many] { $items } матэрыялаў
    }, новых для вас: { $new }.
j-all-sources = Усе крыніцы
j-star = Адзначыць зоркай
j-unstar = Зняць зорку
j-mark-seen = Адзначыць усё як прагледжанае
j-bundle-source = Спампаваць пакет з матэрыяламі гэтай крыніцы
j-items-caption = Матэрыялы гэтай крыніцы
j-col-item = Матэрыял
j-col-kind = Тып
j-col-size = Памер у байтах (з дапаўненнем)
j-col-day = Дзень
j-col-delete = Выдаленне
j-item-new = (новы)
j-item-delete-label = Выдаліць { $item }
j-delete = Выдаліць
j-kind-message = Паведамленне
j-kind-file = Файл
j-kind-reply = Адказ
j-kind-segment = Частка адпраўкі
j-kind-manifest = Канец адпраўкі
j-delete-source-title = Выдаліць гэту крыніцу
j-delete-source-text = Усе матэрыялы гэтай крыніцы будуць выдаленыя з сервера. Адмяніць гэта нельга.
j-delete-source-confirm = Каб пацвердзіць, увядзіце абазначэнне { $designation }
j-delete-source-button = Выдаліць крыніцу і ўсе яе матэрыялы
j-notice-item-deleted = Матэрыял выдалены.
j-notice-not-confirmed = Нічога не выдалена: каб пацвердзіць, увядзіце абазначэнне дакладна.
j-notice-source-deleted = Крыніца і ўсе яе матэрыялы выдаленыя.

## Пакеты адказаў

j-replies-too-large = Пакет большы за { $size }.
j-replies-cut-off = Адпраўка перарвалася; нічога не імпартавана.
j-replies-none-chosen = Пакет не выбраны.
j-replies-failed = Імпарт не ўдаўся; нічога не імпартавана.
j-replies-imported-title = Адказы імпартаваныя
j-replies-imported-text = Новых адказаў: { $new }, крыніц: { $sources }; ужо дастаўлена раней: { $already }. Крыніцы ўбачаць адказы, калі ўвойдуць.
j-replies-refused-title = Адказы адхіленыя
j-replies-refused-text = Пакет адказаў адхілены, нічога не імпартавана. { $reason }

## Why a reply bundle was refused

j-refusal-no-key = На гэтым серверы не замацаваны ключ адказаў рэдакцыі, таму ніводнаму адказу нельга давяраць. Адміністратар замацоўвае яго камандай postern trust-newsroom.
j-refusal-not-bundle = Гэты файл — не пакет адказаў. Запампуйце файл, які стварыла каманда postern-review export-replies.
j-refusal-unreadable = Гэты файл не чытаецца як пакет адказаў: ён абарваны або гэта файл іншага роду. Запампуйце зноў скапіраваны файл, які стварыла каманда postern-review export-replies.
j-refusal-version = Пакет створаны ў версіі, якую гэты сервер не чытае. Абнавіце сервер або postern-review, каб версіі супадалі.
j-refusal-cut-short = Пакет няпоўны: ён абрываецца або не чытаецца. Скапіруйце яго яшчэ раз і запампуйце новую копію.
j-refusal-not-signed = Пакет не падпісаны ключом рэдакцыі, замацаваным на гэтым серверы. Яго змянілі або стварылі з іншым ключом.
j-refusal-altered = Адказ у пакеце не супадае са сваім падпісаным запісам: пакет пашкоджаны або зменены ў дарозе. Выгрузіце яго зноў.
j-refusal-malformed = Пакет пашкоджаны або пабудаваны не так, як яго піша postern-review. Выгрузіце яго зноў.
j-refusal-unknown-source = Адказ адрасаваны крыніцы, якой гэты сервер не ведае. Магчыма, пакет прызначаны для іншага сервера.
j-refusal-source-record = Запіс крыніцы адказу на гэтым серверы не праходзіць праверку. Паведаміце адміністратару.
j-refusal-wrong-key = Адказ не зашыфраваны ключом адказаў сваёй крыніцы, і крыніца не змагла б яго прачытаць. Напішыце яго зноў камандай postern-review reply.
j-refusal-too-large = У пакеце зашмат адказаў для аднаго імпарту. Выгружайце менш адказаў за раз.
j-refusal-conflict = Адказ у пакеце мае той самы ідэнтыфікатар, што і іншы адказ, які ўжо ёсць на серверы.
j-refusal-write-failed = Запіс адказаў перарваўся напалову. Запампуйце той самы пакет яшчэ раз: імпарт завершыцца, і нічога не дадасца двойчы.

## Памылкі

j-forbidden-title = Доступ забаронены
j-forbidden-text = Форма састарэла або адпраўлена не з гэтага сайта. Вярніцеся, абнавіце старонку і паспрабуйце яшчэ раз.
j-forbidden-other-site = Гэты запыт прыйшоў з іншага сайта і адхілены.
j-back = Назад
j-back-sources = Назад да крыніц
j-error-title = Памылка
j-error-text = На серверы нешта пайшло не так. Паспрабуйце яшчэ раз; калі памылка паўторыцца, паведаміце адміністратару.
j-not-found-title = Не знойдзена
j-not-found-item = Такой крыніцы або матэрыялу няма (магчыма, яго выдалілі).
j-not-found-page = Такой старонкі няма.

## One upload, one entry; deletions asked first

j-items-caption-entries = Матэрыялы гэтай крыніцы, новыя зверху (загрузка — адзін матэрыял, з колькіх бы частак яна ні складалася)
j-col-size-padded = Памер (з дапаўненнем)
j-col-state = Стан
j-kind-upload = Загрузка
j-state-complete = завершана
j-state-in-progress = ідзе: { $have } з { $total } ({ $percent } %)
j-state-expired = пратэрмінавана на { $have } з { $total } ({ $percent } %): будзе выдалена пры наступным абслугоўванні
j-state-parts-missing = няпоўная: частка яе частак выдалена
j-state-unindexed = часткі загрузак, якія сервер не можа згрупаваць
j-upload-name = загрузка { $id }
j-upload-parts = часткі загрузак
j-delete-entry = Выдаліць: { $kind } { $name }…
j-confirm-title = Пацвердзіце выдаленне
j-confirm-heading = Выдаліць у крыніцы { $designation }?
j-confirm-text = З сервера будзе выдалена: { $what }, з усімі часткамі. Гэта нельга адмяніць.
j-confirm-yes = Так, выдаліць
j-confirm-no = Не, пакінуць
j-notice-upload-deleted = Загрузка і ўсе яе часткі выдалены.

## Bundle selections and their parts

j-dates-from = Або ўсе матэрыялы з
j-dates-to = па
j-dates-choose = Выбраць гэтыя дні
j-date-bad-title = Гэта не дата
j-date-bad = Пазначайце даты ў выглядзе ГГГГ-ММ-ДД.
j-bundle-none-title = Няма чаго спампоўваць
j-bundle-none = У гэтай выбарцы няма ніводнага матэрыялу.
j-selection-title = Спампаваць выбарку
j-selection-summary = Матэрыялаў: { $items }. Агульны памер: { $total }. Частак: { $parts }, кожная не больш за прыблізна { $size } (большы матэрыял — асобная частка).
j-selection-import = Кожная частка — асобны падпісаны пакет: імпартуйце часткі камандай { $command } у любым парадку, і яна скажа, якіх частак гэтай выбаркі яшчэ не хапае. Перарванае спампоўванне працягваецца з месца спынення.
j-selection-caption = Часткі выбаркі { $id }
j-col-part = Частка
j-col-part-size = Памер
j-part-link = Частка { $part } з { $parts }
j-selection-expired-title = Выбарка састарэла
j-selection-expired = Гэтая выбарка больш не захоўваецца (сервер перазапускаўся, або з таго часу зроблена шмат іншых). Выберыце яе зноў на старонцы крыніц: тыя ж матэрыялы даюць тыя ж часткі.
j-selection-changed-title = Выбарка змянілася
j-selection-changed = Матэрыял гэтай выбаркі быў выдалены або зменены пасля яе стварэння. Выберыце яе зноў на старонцы крыніц.
