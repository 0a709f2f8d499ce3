# Postern, интерфейс журналиста: русский.
# Написано и проверено языковой моделью (LLM); см. docs/translations.md.

## Макет, на каждой странице

j-interface = Интерфейс журналиста
j-skip = Перейти к содержимому
j-org-suffix = интерфейс журналиста
j-nav-language = Язык
j-logout = Выйти ({ $user })
j-footer = всё здесь зашифровано ключами редакции: читайте это на компьютере без сети.

## Вход

j-login-title = Вход
j-login-username = Имя пользователя
j-login-passphrase = Парольная фраза
j-login-code = Код двухфакторной проверки
j-login-button = Войти
j-login-failed = Войти не удалось. Проверьте имя пользователя, парольную фразу и код и попробуйте ещё раз. После нескольких неудачных попыток вход в учётную запись на время приостанавливается.
j-login-again = Войти снова
j-logged-out-title = Вы вышли
j-logged-out-text = Вы вышли из системы.
j-session-ended-title = Сеанс завершён
j-session-ended-text = Ваш сеанс завершён (после долгого бездействия или потому, что ваша учётная запись изменилась). Войдите снова.

## Список источников

j-sources-title = Источники
j-sources-summary =
    { $sources ->
        [one] { $sources } источник
        [few] { $sources } источника
       *[many] { $sources } источников
    }; новых материалов для вас: { $new }.
j-bundle-new = Скачать пакет со всем новым
j-sources-none = Источников пока нет.
j-sources-caption = Источники, сначала самые недавние
j-col-source = Источник
j-col-new = Новые
j-col-items = Материалы
j-col-last = Последняя активность
j-col-star = Звезда
j-replies-title = Ответы
j-replies-label = Пакет ответов, созданный командой { $command }
j-replies-button = Загрузить ответы на сервер

## Один источник

j-source-summary =
    Впервые: { $day }; { $items ->
        [one] { $items } материал
        [few] { $items } материала
       *[many] { $items } материалов
    }, новых для вас: { $new }.
j-all-sources = Все источники
j-star = Отметить звездой
j-unstar = Снять звезду
j-mark-seen = Отметить всё как просмотренное
j-bundle-source = Скачать пакет с материалами этого источника
j-items-caption = Материалы этого источника
j-col-item = Материал
j-col-kind = Тип
j-col-size = Размер в байтах (с дополнением)
j-col-day = День
j-col-delete = Удаление
j-item-new = (новый)
j-item-delete-label = Удалить { $item }
j-delete = Удалить
j-kind-message = Сообщение
j-kind-file = Файл
j-kind-reply = Ответ
j-kind-segment = Часть отправки
j-kind-manifest = Конец отправки
j-delete-source-title = Удалить этот источник
j-delete-source-text = Все материалы этого источника будут удалены с сервера. Отменить это нельзя.
j-delete-source-confirm = Для подтверждения введите обозначение { $designation }
j-delete-source-button = Удалить источник и все его материалы
j-notice-item-deleted = Материал удалён.
j-notice-not-confirmed = Ничего не удалено: для подтверждения введите обозначение точно.
j-notice-source-deleted = Источник и все его материалы удалены.

## Пакеты ответов

j-replies-too-large = Пакет больше { $size }.
j-replies-cut-off = Загрузка прервалась; ничего не импортировано.
j-replies-none-chosen = Пакет не выбран.
j-replies-failed = Импорт не удался; ничего не импортировано.
j-replies-imported-title = Ответы импортированы
j-replies-imported-text = Новых ответов: { $new }, источников: { $sources }; уже доставлено раньше: { $already }. Источники увидят ответы, когда войдут.
j-replies-refused-title = Ответы отклонены
j-replies-refused-text = Пакет ответов отклонён, ничего не импортировано. { $reason }

## Why a reply bundle was refused

j-refusal-no-key = На этом сервере не закреплён ключ ответов редакции, поэтому ни одному ответу нельзя доверять. Администратор закрепляет его командой postern trust-newsroom.
j-refusal-not-bundle = Этот файл — не пакет ответов. Загрузите файл, который создала команда postern-review export-replies.
j-refusal-unreadable = Этот файл не читается как пакет ответов: он оборван или это файл другого рода. Загрузите заново скопированный файл, который создала команда postern-review export-replies.
j-refusal-version = Пакет создан в версии, которую этот сервер не читает. Обновите сервер или postern-review, чтобы версии совпадали.
j-refusal-cut-short = Пакет неполный: он обрывается или не читается. Скопируйте его ещё раз и загрузите новую копию.
j-refusal-not-signed = Пакет не подписан ключом редакции, закреплённым на этом сервере. Его изменили или создали с другим ключом.
j-refusal-altered = Ответ в пакете не совпадает со своей подписанной записью: пакет повреждён или изменён в пути. Выгрузите его заново.
j-refusal-malformed = Пакет повреждён или устроен не так, как его пишет postern-review. Выгрузите его заново.
j-refusal-unknown-source = Ответ адресован источнику, которого этот сервер не знает. Возможно, пакет предназначен для другого сервера.
j-refusal-source-record = Запись источника ответа на этом сервере не проходит проверку. Сообщите администратору.
j-refusal-wrong-key = Ответ не зашифрован ключом ответов своего источника, и источник не смог бы его прочитать. Напишите его заново командой postern-review reply.
j-refusal-too-large = В пакете слишком много ответов для одного импорта. Выгружайте меньше ответов за раз.
j-refusal-conflict = У ответа в пакете тот же идентификатор, что у другого ответа, уже лежащего на сервере.
j-refusal-write-failed = Запись ответов прервалась на середине. Загрузите тот же пакет ещё раз: импорт завершится, и ничего не добавится дважды.

## Ошибки

j-forbidden-title = Доступ запрещён
j-forbidden-text = Форма устарела или отправлена не с этого сайта. Вернитесь, обновите страницу и попробуйте ещё раз.
j-forbidden-other-site = Этот запрос пришёл с другого сайта и отклонён.
j-back = Назад
j-back-sources = Назад к источникам
j-error-title = Ошибка
j-error-text = На сервере что-то пошло не так. Попробуйте ещё раз; если ошибка повторится, сообщите администратору.
j-not-found-title = Не найдено
j-not-found-item = Такого источника или материала нет (возможно, он удалён).
j-not-found-page = Такой страницы нет.

## One upload, one entry; deletions asked first

j-items-caption-entries = Материалы этого источника, новые сверху (загрузка — один материал, из скольких бы частей она ни состояла)
j-col-size-padded = Размер (с дополнением)
j-col-state = Состояние
j-kind-upload = Загрузка
j-state-complete = завершена
j-state-in-progress = идёт: { $have } из { $total } ({ $percent } %)
j-state-expired = просрочена на { $have } из { $total } ({ $percent } %): будет удалена при следующем обслуживании
j-state-parts-missing = неполная: часть её частей удалена
j-state-unindexed = части загрузок, которые сервер не может сгруппировать
j-upload-name = загрузка { $id }
j-upload-parts = части загрузок
j-delete-entry = Удалить: { $kind } { $name }…
j-confirm-title = Подтвердите удаление
j-confirm-heading = Удалить у источника { $designation }?
j-confirm-text = Будет удалено с сервера: { $what }, со всеми частями. Это нельзя отменить.
j-confirm-yes = Да, удалить
j-confirm-no = Нет, оставить
j-notice-upload-deleted = Загрузка и все её части удалены.

## Bundle selections and their parts

j-dates-from = Или все материалы с
j-dates-to = по
j-dates-choose = Выбрать эти дни
j-date-bad-title = Это не дата
j-date-bad = Указывайте даты в виде ГГГГ-ММ-ДД.
j-bundle-none-title = Нечего скачивать
j-bundle-none = В этой выборке нет ни одного материала.
j-selection-title = Скачать выборку
j-selection-summary = Материалов: { $items }. Общий размер: { $total }. Частей: { $parts }, каждая не больше примерно { $size } (материал крупнее — отдельная часть).
j-selection-import = Каждая часть — отдельный подписанный пакет: импортируйте части командой { $command } в любом порядке, и она скажет, каких частей этой выборки ещё не хватает. Прерванная загрузка продолжается с места остановки.
j-selection-caption = Части выборки { $id }
j-col-part = Часть
j-col-part-size = Размер
j-part-link = Часть { $part } из { $parts }
j-selection-expired-title = Выборка устарела
j-selection-expired = Эта выборка больше не хранится (сервер перезапускался, или с тех пор сделано много других). Выберите её заново на странице источников: те же материалы дают те же части.
j-selection-changed-title = Выборка изменилась
j-selection-changed = Материал этой выборки был удалён или изменён после её создания. Выберите её заново на странице источников.
